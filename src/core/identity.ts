import { isNum } from '../protocol';
import type { Warn } from './log';
import type { KeyValueStore } from './storage';

/** A new visit starts after 30 idle minutes (the usual analytics session gap). */
export const VISIT_GAP_MS = 30 * 60_000;

/** Who the visitor is, as kept on the device. Times are ms since the epoch. */
export interface Identity {
  vid: string;
  /** Issued by the server for this vid; proves the vid is ours on the next hello. */
  token?: string;
  visits: number;
  firstSeenAt: number;
  visitStartedAt: number;
  lastSeenAt: number;
}

/** What the identity functions need, injected so tests fake time, ids and storage. */
export interface IdentityDeps {
  store: KeyValueStore;
  now: () => number;
  newId: () => string;
  warn: Warn;
  /**
   * Mirrors the vid and its token in a cookie (the `cookieDomain` option) to share the visitor
   * across sub-domains: `read` gives the two (no token: `''`).
   */
  cookie?: {
    read(): [vid: string, token: string] | null | undefined;
    write(vid: string, token?: string): void;
  };
}

const KEY = 'identity';

const isVid = (v: unknown): v is string => typeof v == 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(v);

/**
 * `f()`, or undefined when it throws. Cookies throw in sandboxed iframes, the adapter may be
 * the host's own, and a host page may have broken `Intl`: never let it out.
 */
export const attempt = <T>(f: () => T): T | undefined => {
  try {
    return f();
  } catch {}
};

/** Stored data is outside input: returns a clean copy, or undefined when the shape is wrong. */
function parse(raw: unknown): Identity | undefined {
  if (typeof raw != 'object' || !raw) return;
  // A null-prototype copy reads own fields only, so a polluted Object.prototype adds nothing.
  const o = Object.assign(Object.create(null), raw) as Record<string, unknown>;
  const { vid, token, visits, firstSeenAt, visitStartedAt, lastSeenAt } = o;
  if (
    isVid(vid) &&
    Number.isInteger(visits) &&
    (visits as number) >= 1 &&
    isNum(firstSeenAt) &&
    isNum(visitStartedAt) &&
    isNum(lastSeenAt) &&
    (token === undefined || (typeof token == 'string' && token.length < 2048))
  )
    return { vid, token, visits: visits as number, firstSeenAt, visitStartedAt, lastSeenAt };
}

const fresh = (vid: string, t: number, token?: string): Identity => ({
  vid,
  token,
  visits: 1,
  firstSeenAt: t,
  visitStartedAt: t,
  lastSeenAt: t,
});

/** Marks the visitor seen at `t`, starting a new visit when the gap has passed. */
const seen = (id: Identity, t: number): Identity =>
  t - id.lastSeenAt >= VISIT_GAP_MS
    ? { ...id, visits: id.visits + 1, visitStartedAt: t, lastSeenAt: t }
    : { ...id, lastSeenAt: t };

async function save(deps: IdentityDeps, id: Identity): Promise<Identity> {
  if (!id.token) delete id.token;
  try {
    await deps.store.set(KEY, id);
  } catch {
    // Our stores never reject; a custom one might, and the visitor still has an id for this page.
    deps.warn('could not save the visitor identity');
  }
  attempt(() => deps.cookie?.write(id.vid, id.token));
  return id;
}

/** Loads (or creates) the visitor's identity and counts a new visit after 30 idle minutes; saves it. */
export async function loadIdentity(deps: IdentityDeps): Promise<Identity> {
  const t = deps.now();
  let raw: unknown;
  try {
    raw = await deps.store.get(KEY);
  } catch {}
  let id = parse(raw);
  if (raw !== undefined && !id) deps.warn('stored identity was invalid; starting a new visitor');
  const [fromCookie, token] = attempt(() => deps.cookie?.read()) || [];
  // The cookie is shared by sub-domains, so its vid wins, with the token it carries (without
  // it the server would start a new visitor); counts belong to the stored vid, so they are
  // kept only when the two agree.
  if (isVid(fromCookie) && fromCookie != id?.vid) id = fresh(fromCookie, t, token);
  return save(deps, id ? seen(id, t) : fresh(deps.newId(), t));
}

/**
 * Saves `id` and returns it at once, to hold before the write ends: a later change then starts
 * from it (a heartbeat's touch used to write a welcome's token away), writes in call order.
 */
export function saveIdentity(deps: IdentityDeps, id: Identity): Identity {
  void save(deps, id);
  return id;
}

/** The visitor seen now (at most every heartbeat; a new visit after the gap), saved as {@link saveIdentity} does. */
export const touchIdentity = (deps: IdentityDeps, identity: Identity): Identity =>
  saveIdentity(deps, seen(identity, deps.now()));

/**
 * A new visitor (logout): a fresh identity, saved over the old one as {@link saveIdentity} does;
 * its vid goes in the cookie, so the old one needs no clearing.
 */
export const newIdentity = (deps: IdentityDeps): Identity =>
  saveIdentity(deps, fresh(deps.newId(), deps.now()));

/** A returning visitor is on their second visit or later. */
export function isReturning(identity: Identity): boolean {
  return identity.visits > 1;
}

/**
 * Cookie adapter for `cookieDomain`: `vc_vid` (the vid, then `.` and the token once the server
 * gave one: docs/PROTOCOL.md keeps tokens to URL-safe characters; a `;` could only add
 * attributes that ours, written after it, override), path `/`, that domain, two years,
 * SameSite=Lax.
 * Built from `document` at the edge; its calls may throw (sandboxed iframes), which
 * the identity functions absorb.
 */
export function createVidCookie(
  doc: Document,
  domain: string,
): NonNullable<IdentityDeps['cookie']> {
  // Only domain characters: a `;` in the config must not add cookie attributes.
  const attrs = '; path=/; domain=' + domain.replace(/[^\w.-]/g, '') + '; SameSite=Lax; max-age=';
  return {
    read: () => {
      const m = /(?:^|;\s*)vc_vid=([^.;]*)\.?([^;]*)/.exec(doc.cookie);
      return m && [m[1]!, m[2]!];
    },
    write: (vid, token) =>
      void (doc.cookie = 'vc_vid=' + vid + (token ? '.' + token : '') + attrs + 63072000),
  };
}
