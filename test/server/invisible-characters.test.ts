// @vitest-environment node
/**
 * Invisible format characters in a visitor's name, email and phone (bidi-controls.ts,
 * withoutInvisible): `Eva\u200b` and `Eva` look the same on the agent page, so the server takes
 * them out where it takes the profile in, and keeps the joiners and marks real names need.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { profileField, withoutInvisible } from '../../demo/server/bidi-controls';
import { api, serve, until, visit } from './helpers';

const ZWSP = '\u200b';
const ZWNJ = '\u200c';
const ZWJ = '\u200d';

describe('withoutInvisible', () => {
  it('takes out zero-width spaces, word joiners, invisible operators, BOMs, soft hyphens, tags', () => {
    const all =
      '\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff' +
      '\u{e0001}\u{e0041}\u202e\u2066';
    expect(withoutInvisible(`E${all}va`)).toBe('Eva');
    expect(withoutInvisible(`Eva${ZWSP}`)).toBe('Eva');
    expect(withoutInvisible(`${ZWSP}${ZWSP}`)).toBe('');
    expect(withoutInvisible('Ma\u00adry\u2060 Ann')).toBe('Mary Ann');
    expect(withoutInvisible('Eva Nováková')).toBe('Eva Nováková');
  });

  it('makes a profile field what agents see: one space between words, trimmed', () => {
    expect(profileField(` Eva ${ZWSP} Nováková\t\n`)).toBe('Eva Nováková');
    expect(profileField(`\u00a0${ZWSP}\ufeff `)).toBe('');
  });

  it('keeps ZWNJ and ZWJ between letters of scripts that join, and in emoji', () => {
    const persian = `می${ZWNJ}خواهم`;
    expect(withoutInvisible(persian)).toBe(persian);
    const hindi = `क्${ZWJ}ष`;
    expect(withoutInvisible(hindi)).toBe(hindi);
    for (const emoji of ['👩‍💻', '👨‍👩‍👧', '🏳️‍🌈', '👩🏽‍💻', '🏃‍♀️'])
      expect(withoutInvisible(`Eva ${emoji}`)).toBe(`Eva ${emoji}`);
    // Between Latin letters, at the ends, or next to a space they show nothing.
    expect(withoutInvisible(`E${ZWJ}va${ZWNJ}`)).toBe('Eva');
    expect(withoutInvisible(`${ZWJ}می ${ZWNJ}خ`)).toBe('می خ');
  });

  it('keeps direction marks in right-to-left text only, and the tags of a flag', () => {
    expect(withoutInvisible('\u200fשלום\u200e 1')).toBe('\u200fשלום\u200e 1');
    expect(withoutInvisible('Eva\u200e')).toBe('Eva');
    const england = '🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}';
    expect(withoutInvisible(`Eva ${england}`)).toBe(`Eva ${england}`);
  });
});

describe('a visitor profile with invisible characters', () => {
  it('reaches the agent API without them; a name of nothing else is no name', async () => {
    const s = await serve();
    const row = async (vid: string) =>
      (await api(s, 'GET', '/api/visitors?filter=all')).json.visitors.find(
        (r: { id: string }) => r.id == vid,
      );
    const plain = await visit(s.url, { profile: { name: 'Eva Nováková' } });
    const lookalike = await visit(s.url, {
      profile: {
        name: `E${ZWSP}va${ZWJ} Nov\u00adáková\ufeff`,
        email: `eva${ZWSP}@shop.test`,
        phone: `+420${ZWSP} 777`,
      },
    });
    expect(await row(plain.vid)).toMatchObject({ name: 'Eva Nováková' });
    expect(await row(lookalike.vid)).toMatchObject({
      name: 'Eva Nováková',
      email: 'eva@shop.test',
      phone: '+420 777',
    });
    // Later, with the identify command (an `id` frame): a name of zero-width spaces is none.
    const other = await visit(s.url);
    const detail = async () => (await api(s, 'GET', '/api/visitors/' + other.vid)).json;
    other.c.send({ t: 'id', name: `${ZWSP} ${ZWSP}\u2060` });
    other.c.send({ t: 'vars', vars: { after: 1 } });
    await until(async () => (await detail()).variables.after == 1);
    expect(await detail()).toMatchObject({ name: null, customer: false });
    other.c.send({ t: 'id', name: `می${ZWNJ}خواهم ${ZWSP}` });
    await until(async () => (await row(other.vid))?.name == `می${ZWNJ}خواهم`);
    other.c.send({ t: 'id', name: `${ZWSP}${ZWSP}` });
    await until(async () => (await row(other.vid))?.name === null);
  });

  it('reads a profile an earlier release stored with them as agents see it: details, list and search', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'visitor-chat-'));
    try {
      const db = join(dir, 'old.db');
      const first = await serve({ db, demo: false });
      const { vid, token, c } = await visit(first.url, { profile: { name: 'Eva' } });
      c.close();
      await first.close();
      // As a release before the server cleaned profiles wrote them.
      const raw = new Database(db);
      raw
        .prepare('UPDATE visitors SET name = ?, email = ?, phone = ? WHERE id = ?')
        .run(`E${ZWSP}va  Nov\u00adáková\ufeff`, `eva${ZWSP}@shop.test`, `${ZWSP}\u2060`, vid);
      raw.close();

      const second = await serve({ db, demo: false });
      const back = await visit(second.url, { vid, token, visits: 2 });
      const detail = (await api(second, 'GET', '/api/visitors/' + vid)).json;
      expect(detail).toMatchObject({ name: 'Eva Nováková', email: 'eva@shop.test', phone: null });
      const found = (
        await api(second, 'GET', '/api/visitors?filter=all&q=' + encodeURIComponent('eva nováková'))
      ).json;
      expect(found.visitors.map((r: { id: string; name: string }) => [r.id, r.name])).toEqual([
        [vid, 'Eva Nováková'],
      ]);
      back.c.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
