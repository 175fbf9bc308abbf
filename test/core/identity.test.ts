import { Window } from 'happy-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createVidCookie,
  isReturning,
  loadIdentity,
  newIdentity,
  saveIdentity,
  touchIdentity,
  VISIT_GAP_MS,
  type IdentityDeps,
} from '../../src/core/identity';
import { createMemoryStore, type KeyValueStore } from '../../src/core/storage';
import { flush } from '../helpers/widget';

const MINUTE = 60_000;
const T0 = Date.UTC(2025, 0, 1, 9);

/** A page's dependencies over a shared store, with a settable clock and predictable ids. */
function page(store: KeyValueStore, clock: { now: number }, extra: Partial<IdentityDeps> = {}) {
  let n = 0;
  const deps: IdentityDeps = {
    store,
    now: () => clock.now,
    newId: () => 'visitor-' + String(++n).padStart(4, '0') + '-' + clock.now,
    warn: vi.fn(),
    ...extra,
  };
  return deps;
}

function setup(extra: Partial<IdentityDeps> = {}) {
  const store = createMemoryStore();
  const clock = { now: T0 };
  return { store, clock, deps: page(store, clock, extra) };
}

/** A cookie adapter over a plain variable, for tests that are not about the document. */
function memoryCookie(initial?: string) {
  const jar = { value: initial };
  const cookie: NonNullable<IdentityDeps['cookie']> = {
    // As the document's adapter reads its value: the vid, then the token after the first dot.
    read: () => {
      const m = jar.value === undefined ? null : /^([^.]*)\.?(.*)$/.exec(jar.value);
      return m && [m[1]!, m[2]!];
    },
    write: (vid, token) => void (jar.value = token ? vid + '.' + token : vid),
  };
  return { jar, cookie };
}

const windows: Window[] = [];
afterEach(async () => {
  await Promise.all(windows.splice(0).map((w) => w.happyDOM.close()));
});

function documentAt(url: string) {
  const w = new Window({ url });
  windows.push(w);
  return w.document as unknown as Document;
}

describe('loadIdentity', () => {
  it('creates a visitor id on first load', async () => {
    const { store, deps } = setup();
    const id = await loadIdentity(deps);
    expect(id).toEqual({
      vid: 'visitor-0001-' + T0,
      visits: 1,
      firstSeenAt: T0,
      visitStartedAt: T0,
      lastSeenAt: T0,
    });
    expect(await store.get('identity')).toEqual(id);
    expect(isReturning(id)).toBe(false);
    expect(deps.warn).not.toHaveBeenCalled();
  });

  it('keeps the id across reloads', async () => {
    const { store, clock, deps } = setup();
    const first = await loadIdentity(deps);
    clock.now += 5 * MINUTE;
    const again = await loadIdentity(page(store, clock));
    expect(again.vid).toBe(first.vid);
    expect(again.visits).toBe(1);
    expect(again.firstSeenAt).toBe(T0);
    expect(again.lastSeenAt).toBe(T0 + 5 * MINUTE);
    expect(await store.get('identity')).toEqual(again);
  });

  it('counts a new visit after 30 idle minutes but not after 29', async () => {
    const { store, clock, deps } = setup();
    await loadIdentity(deps);
    clock.now += 29 * MINUTE;
    const sameVisit = await loadIdentity(page(store, clock));
    expect(sameVisit.visits).toBe(1);
    expect(sameVisit.visitStartedAt).toBe(T0);

    clock.now += 30 * MINUTE;
    const newVisit = await loadIdentity(page(store, clock));
    expect(newVisit.visits).toBe(2);
    expect(newVisit.visitStartedAt).toBe(clock.now);
    expect(newVisit.firstSeenAt).toBe(T0);
    expect(newVisit.vid).toBe(sameVisit.vid);
  });

  it('returning visitor after the second visit', async () => {
    const { store, clock, deps } = setup();
    expect(isReturning(await loadIdentity(deps))).toBe(false);
    clock.now += VISIT_GAP_MS;
    const second = await loadIdentity(page(store, clock));
    expect(second.visits).toBe(2);
    expect(isReturning(second)).toBe(true);
  });

  it('starts fresh and warns when stored identity is corrupt', async () => {
    const corrupt: unknown[] = [
      'not an object',
      { vid: 'short', visits: 1, firstSeenAt: 1, visitStartedAt: 1, lastSeenAt: 1 },
      { vid: 'has spaces in it', visits: 1, firstSeenAt: 1, visitStartedAt: 1, lastSeenAt: 1 },
      { vid: 'valid-vid-1', visits: 0, firstSeenAt: 1, visitStartedAt: 1, lastSeenAt: 1 },
      { vid: 'valid-vid-1', visits: 1.5, firstSeenAt: 1, visitStartedAt: 1, lastSeenAt: 1 },
      { vid: 'valid-vid-1', visits: 2, firstSeenAt: NaN, visitStartedAt: 1, lastSeenAt: 1 },
      { vid: 'valid-vid-1', visits: 2, firstSeenAt: 1, visitStartedAt: 1, lastSeenAt: '1' },
      { vid: 'valid-vid-1', visits: 2, firstSeenAt: 1, visitStartedAt: 1 },
      {
        vid: 'valid-vid-1',
        token: 42,
        visits: 2,
        firstSeenAt: 1,
        visitStartedAt: 1,
        lastSeenAt: 1,
      },
      null,
    ];
    for (const raw of corrupt) {
      const { store, deps } = setup();
      await store.set('identity', raw);
      const id = await loadIdentity(deps);
      expect(id, JSON.stringify(raw)).toMatchObject({ vid: 'visitor-0001-' + T0, visits: 1 });
      expect(deps.warn).toHaveBeenCalledExactlyOnceWith(
        'stored identity was invalid; starting a new visitor',
      );
      expect(await store.get('identity')).toEqual(id);
    }
  });

  it('accepts a well-formed stored identity without warning', async () => {
    const { store, deps } = setup();
    const stored = {
      vid: 'V1StGXR8_Z5jdHi6B-myT',
      token: 'tok',
      visits: 4,
      firstSeenAt: T0 - 9 * MINUTE,
      visitStartedAt: T0 - 9 * MINUTE,
      lastSeenAt: T0 - MINUTE,
    };
    await store.set('identity', stored);
    expect(await loadIdentity(deps)).toEqual({ ...stored, lastSeenAt: T0 });
    expect(deps.warn).not.toHaveBeenCalled();
  });

  it('ignores a token inherited from a polluted Object.prototype', async () => {
    const { store, deps } = setup();
    await store.set('identity', {
      vid: 'valid-vid-1',
      visits: 1,
      firstSeenAt: T0,
      visitStartedAt: T0,
      lastSeenAt: T0,
    });
    const proto = Object.prototype as Record<string, unknown>;
    proto.token = 'attacker';
    try {
      const id = await loadIdentity(deps);
      expect(Object.prototype.hasOwnProperty.call(id, 'token')).toBe(false);
    } finally {
      delete proto.token;
    }
  });

  it('does not throw when a custom store rejects', async () => {
    const failing: KeyValueStore = {
      get: () => Promise.reject(new Error('boom')),
      set: () => Promise.reject(new Error('boom')),
      del: () => Promise.reject(new Error('boom')),
    };
    const { deps } = setup({ store: failing });
    const id = await loadIdentity(deps);
    expect(id.vid).toBe('visitor-0001-' + T0);
    expect(touchIdentity(deps, id)).toMatchObject({ vid: id.vid });
    expect(newIdentity(deps)).toMatchObject({ visits: 1 });
    await flush();
  });
});

describe('touchIdentity', () => {
  it('records when the visitor was last seen, within the same visit', async () => {
    const { store, clock, deps } = setup();
    const id = await loadIdentity(deps);
    clock.now += 10 * MINUTE;
    const touched = touchIdentity(deps, id);
    expect(touched).toEqual({ ...id, lastSeenAt: T0 + 10 * MINUTE });
    await flush();
    expect(await store.get('identity')).toEqual(touched);
  });

  it('starts a new visit when the heartbeat comes after the gap', async () => {
    const { clock, deps } = setup();
    const id = await loadIdentity(deps);
    clock.now += VISIT_GAP_MS - 1;
    const still = touchIdentity(deps, id);
    expect(still.visits).toBe(1);
    clock.now += VISIT_GAP_MS;
    const next = touchIdentity(deps, still);
    expect(next.visits).toBe(2);
    expect(next.visitStartedAt).toBe(clock.now);
  });
});

describe('saveIdentity', () => {
  it('keeps the server token across reloads', async () => {
    const { store, clock, deps } = setup();
    const id = saveIdentity(deps, { ...(await loadIdentity(deps)), token: 'server-token' });
    expect(id.token).toBe('server-token');
    await flush();
    const reloaded = await loadIdentity(page(store, clock));
    expect(reloaded.token).toBe('server-token');
    expect(reloaded.vid).toBe(id.vid);
  });
});

describe('newIdentity', () => {
  it('makes a new visitor, saved over the old identity (logout)', async () => {
    const { store, clock, deps } = setup();
    const old = saveIdentity(deps, { ...(await loadIdentity(deps)), token: 'tok' });
    clock.now += MINUTE;

    const id = newIdentity(deps);
    await flush();
    expect(id.vid).not.toBe(old.vid);
    expect(id).toEqual({
      vid: 'visitor-0002-' + clock.now,
      visits: 1,
      firstSeenAt: clock.now,
      visitStartedAt: clock.now,
      lastSeenAt: clock.now,
    });
    expect(await store.get('identity')).toEqual(id);
    expect((await loadIdentity(page(store, clock))).vid).toBe(id.vid);
  });
});

describe('vid cookie', () => {
  it('writes the vid to the cookie whenever the identity is saved', async () => {
    const { jar, cookie } = memoryCookie();
    const { clock, deps } = setup({ cookie });
    const id = await loadIdentity(deps);
    expect(jar.value).toBe(id.vid);
    jar.value = undefined;
    clock.now += MINUTE;
    touchIdentity(deps, id);
    await flush();
    expect(jar.value).toBe(id.vid);
  });

  it('the cookie wins over a different stored id, with counts starting at 1', async () => {
    const { store, clock, deps } = setup();
    clock.now = T0 + 2 * VISIT_GAP_MS;
    await store.set('identity', {
      vid: 'stored-vid-1',
      token: 'for-stored-vid',
      visits: 5,
      firstSeenAt: T0,
      visitStartedAt: T0,
      lastSeenAt: T0,
    });
    const { cookie } = memoryCookie('cookie-vid-1');
    const id = await loadIdentity({ ...deps, cookie });
    expect(id).toEqual({
      vid: 'cookie-vid-1',
      visits: 1,
      firstSeenAt: clock.now,
      visitStartedAt: clock.now,
      lastSeenAt: clock.now,
    });
    expect(await store.get('identity')).toEqual(id);
  });

  it('adopts the cookie id when nothing is stored (visitor came from a sibling sub-domain)', async () => {
    const { deps } = setup({ cookie: memoryCookie('from-www-vid').cookie });
    const id = await loadIdentity(deps);
    expect(id.vid).toBe('from-www-vid');
    expect(id.visits).toBe(1);
  });

  it('carries the token with the vid, so a sibling sub-domain continues the same visitor', async () => {
    const { jar, cookie } = memoryCookie();
    // www: the server's welcome gave the visitor a token (a JWT-like one, dots and all).
    const www = setup({ cookie });
    const first = await loadIdentity(www.deps);
    saveIdentity(www.deps, { ...first, token: 'eyJ0.eyJ2.sig_-' });
    await flush();
    expect(jar.value).toBe(first.vid + '.eyJ0.eyJ2.sig_-');
    // shop: its own empty store, the same cookie jar; the hello then proves the vid is ours.
    const shop = setup({ cookie });
    const id = await loadIdentity(shop.deps);
    expect(id).toMatchObject({ vid: first.vid, token: 'eyJ0.eyJ2.sig_-', visits: 1 });
    // Back on www: the same visitor, its counts kept.
    expect(await loadIdentity(www.deps)).toMatchObject({
      vid: first.vid,
      token: 'eyJ0.eyJ2.sig_-',
    });
  });

  it('keeps the counts when the cookie holds the stored id', async () => {
    const { store, clock, deps } = setup({ cookie: memoryCookie('same-vid-1').cookie });
    await store.set('identity', {
      vid: 'same-vid-1',
      token: 'tok',
      visits: 3,
      firstSeenAt: T0 - VISIT_GAP_MS * 4,
      visitStartedAt: T0 - VISIT_GAP_MS * 2,
      lastSeenAt: T0 - VISIT_GAP_MS,
    });
    const id = await loadIdentity(deps);
    expect(id).toEqual({
      vid: 'same-vid-1',
      token: 'tok',
      visits: 4,
      firstSeenAt: T0 - VISIT_GAP_MS * 4,
      visitStartedAt: clock.now,
      lastSeenAt: clock.now,
    });
  });

  it('ignores a malformed cookie value', async () => {
    const { store, deps } = setup({ cookie: memoryCookie('bad value;<script>').cookie });
    const stored = await loadIdentity({ ...deps, cookie: undefined });
    const id = await loadIdentity(deps);
    expect(id.vid).toBe(stored.vid);
    expect(await store.get('identity')).toEqual(id);
  });

  it('keeps working when the cookie throws (sandboxed iframe)', async () => {
    const throwing = {
      read: () => {
        throw new DOMException('sandboxed', 'SecurityError');
      },
      write: () => {
        throw new DOMException('sandboxed', 'SecurityError');
      },
    };
    const { store, deps } = setup({ cookie: throwing });
    const id = await loadIdentity(deps);
    expect(await store.get('identity')).toEqual(id);
    expect(newIdentity(deps)).toMatchObject({ visits: 1 });
    await flush();
  });

  it('a new identity puts its id in the cookie over the old one', async () => {
    const { jar, cookie } = memoryCookie();
    const { deps } = setup({ cookie });
    const old = await loadIdentity(deps);
    const id = newIdentity(deps);
    await flush();
    expect(jar.value).toBe(id.vid);
    expect(jar.value).not.toBe(old.vid);
  });
});

describe('createVidCookie', () => {
  it('writes vc_vid for the domain, path /, two years, SameSite=Lax', () => {
    const written: string[] = [];
    const doc = {
      get cookie() {
        return '';
      },
      set cookie(v: string) {
        written.push(v);
      },
    } as unknown as Document;
    const cookie = createVidCookie(doc, 'example.com');
    cookie.write('abcdefgh12');
    expect(written).toEqual([
      'vc_vid=abcdefgh12; path=/; domain=example.com; SameSite=Lax; max-age=63072000',
    ]);
  });

  it('writes the token after the vid, and reads the two back from a real document', () => {
    const doc = documentAt('https://shop.example.com/');
    doc.cookie = 'other=1';
    const cookie = createVidCookie(doc, 'example.com');
    cookie.write('abcdefgh12', 'eyJ0.eyJ2.sig_-');
    expect(doc.cookie).toContain('vc_vid=abcdefgh12.eyJ0.eyJ2.sig_-');
    expect(cookie.read()).toEqual(['abcdefgh12', 'eyJ0.eyJ2.sig_-']);
    // Before the server gave a token: the vid alone.
    cookie.write('abcdefgh12');
    expect(cookie.read()).toEqual(['abcdefgh12', '']);
  });

  it('cannot be made to add cookie attributes through the domain', () => {
    const written: string[] = [];
    const doc = {
      set cookie(v: string) {
        written.push(v);
      },
    } as unknown as Document;
    createVidCookie(doc, 'example.com; domain=evil.test; Secure=').write('abcdefgh12');
    expect(written[0]).toBe(
      'vc_vid=abcdefgh12; path=/; domain=example.comdomainevil.testSecure; SameSite=Lax; max-age=63072000',
    );
  });

  it('reads back its own cookie among others in a real document', () => {
    const doc = documentAt('https://shop.example.com/cart');
    doc.cookie = 'first=1';
    const cookie = createVidCookie(doc, 'example.com');
    expect(cookie.read()).toBeNull();
    cookie.write('V1StGXR8_Z5jdHi6B-myT');
    doc.cookie = 'xvc_vid=not-ours';
    expect(cookie.read()).toEqual(['V1StGXR8_Z5jdHi6B-myT', '']);
  });

  it('a page with empty storage picks up the vid from the document cookie', async () => {
    const doc = documentAt('https://www.example.com/');
    const clock = { now: T0 };
    const first = await loadIdentity(
      page(createMemoryStore(), clock, { cookie: createVidCookie(doc, 'example.com') }),
    );
    // Another sub-domain has its own IndexedDB but sees the same domain cookie.
    const other = await loadIdentity(
      page(createMemoryStore(), clock, { cookie: createVidCookie(doc, 'example.com') }),
    );
    expect(other.vid).toBe(first.vid);
  });
});
