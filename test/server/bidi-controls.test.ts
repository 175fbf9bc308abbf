// @vitest-environment node
/**
 * Bidi controls in what a visitor sends (bidi-controls.ts): an override in a name, a page or a
 * variable would turn text around on the agent page, so the server takes them out where it
 * takes the fields in, and keeps the direction marks.
 */
import { describe, expect, it } from 'vitest';
import { withoutBidi } from '../../demo/server/bidi-controls';
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
});
