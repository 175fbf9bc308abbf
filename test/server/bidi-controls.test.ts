// @vitest-environment node
/**
 * Bidi controls in what a visitor sends (bidi-controls.ts): an override in a name, a page or a
 * variable would turn text around on the agent page, so the server takes them out where it
 * takes the fields in, and keeps the direction marks.
 */
import { describe, expect, it } from 'vitest';
import { withoutBidi } from '../../demo/server/bidi-controls';
import type { LiveVisitor } from '../../demo/server/presence';
import { mergeVariables } from '../../demo/server/visitor-changes';
import { api, serve, until, visit } from './helpers';

const RLO = '\u202e';
const ALL = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069';

describe('bidi controls', () => {
  it('takes out embeddings, overrides and isolates, and keeps the direction marks', () => {
    expect(withoutBidi(`Eve${RLO}exe.gnp`)).toBe('Eveexe.gnp');
    expect(withoutBidi(`a${ALL}b`)).toBe('ab');
    expect(withoutBidi('\u200fשלום\u200e 1')).toBe('\u200fשלום\u200e 1');
  });

  it('are not kept in a visitor’s profile, variables or pages, from the hello or later frames', async () => {
    const s = await serve();
    const who = await visit(s.url, {
      profile: { name: `Eve ${RLO}exe.gnp`, email: `eve${RLO}@test`, phone: `+1 ${RLO}555` },
      variables: { [`pl${RLO}an`]: `pro${RLO}` },
      variableLabels: { [`pl${RLO}an`]: `Pl${RLO}an` },
      page: {
        url: `http://shop.test/${RLO}a`,
        title: `Cart ${RLO}gnp`,
        referrer: `http://r${RLO}.test/`,
      },
    });
    const detail = async () => (await api(s, 'GET', '/api/visitors/' + who.vid)).json;
    expect(await detail()).toMatchObject({
      name: 'Eve exe.gnp',
      email: 'eve@test',
      phone: '+1 555',
      variables: { plan: 'pro' },
      variableLabels: { plan: 'Plan' },
      currentPage: { url: 'http://shop.test/a', title: 'Cart gnp' },
      referrer: 'http://r.test/',
      pages: [{ url: 'http://shop.test/a', title: 'Cart gnp' }],
    });
    who.c.send({ t: 'id', name: `Mallory${RLO}\u2066` });
    who.c.send({ t: 'vars', vars: { note: `a${RLO}b` } });
    who.c.send({
      t: 'page',
      url: `http://shop.test/${RLO}b`,
      title: `Pay ${RLO}now`,
      referrer: '',
    });
    await until(async () => (await detail()).pageViews == 2);
    const after = await detail();
    expect(after).toMatchObject({
      name: 'Mallory',
      variables: { note: 'ab' },
      currentPage: { url: 'http://shop.test/b', title: 'Pay now' },
    });
    expect(after.pages.at(-1)).toMatchObject({ url: 'http://shop.test/b', title: 'Pay now' });
  });

  it('a variable key that is __proto__ or empty without its controls is dropped, not assigned', async () => {
    // `__\u202aproto__` passes the frame check (only `__proto__` is refused there); stripped and
    // assigned, it set the prototype of the visitor's variables to the labelled value.
    const v = { variables: { plan: 'pro' } } as unknown as LiveVisitor;
    const key = `__${RLO}proto__`;
    expect(mergeVariables(v, { [key]: 'x', [RLO]: 'y', note: 'n' }, { [key]: 'Label' })).toBe(true);
    expect(Object.getPrototypeOf(v.variables)).toBe(Object.prototype);
    expect(v.variables).toEqual({ plan: 'pro', note: 'n' });
    expect((v.variables as Record<string, unknown>).label).toBeUndefined();

    const s = await serve();
    const who = await visit(s.url, {
      variables: { [key]: 'x', plain: 'p' },
      variableLabels: { [key]: 'Label' },
    });
    expect((await api(s, 'GET', '/api/visitors/' + who.vid)).json).toMatchObject({
      variables: { plain: 'p' },
      variableLabels: {},
    });
    const live = s.hub.visitors.get(who.vid)!;
    expect(Object.getPrototypeOf(live.variables)).toBe(Object.prototype);
  });
});
