/**
 * The `hello` of a visitor's connection: the account key and the visitor token (a known vid
 * needs its token), the visitor created on its first hello, and its visit, page, identity and
 * activity recorded before the `welcome` goes back.
 */
import { randomBytes } from 'node:crypto';
import type { AutoMessageRule } from '../../src/core/rules';
import {
  PROTOCOL_VERSION,
  WELCOME_MESSAGES,
  type HelloFrame,
  type WelcomeFrame,
} from '../../src/protocol';
import { pageWithoutBidi } from './bidi-controls';
import { countryOf } from './country';
import type { Logger } from './log';
import { changed, type LiveVisitor } from './presence';
import { hashToken, newToken, safeEqual } from './secrets';
import { newStoredVisitor, type Store } from './store';
import { parseUserAgent } from './user-agent';
import { applyProfile, mergeVariables, pageViewed, setActivity } from './visitor-changes';
import type { Registry } from './visitor-registry';

/** Why a hello was refused. */
export type HelloRefusal = 'unknown_key' | 'invalid_token';

/** What a hello needs. */
export interface HelloOptions {
  store: Store;
  registry: Registry;
  log: Logger;
  keys: string[];
  /** The site's auto-message rules now for a visitor in `country` (enabled auto messages). */
  rules(country: string | null): AutoMessageRule[];
  now: () => number;
  /** Whether agents are online (welcome.online). */
  agentsOnline(): boolean;
  /** The visitor changed: tell the agent feed. */
  emit(v: LiveVisitor): void;
  /** Keep the connection's address (STORE_IP=1); otherwise only its country is kept. */
  storeIp?: boolean;
  /** The largest upload (MAX_UPLOAD_BYTES), told in `welcome.maxFile`. */
  maxUploadBytes?: number;
}

/** Where a hello came from: the client's address (client-address.ts) and its user agent. */
export interface HelloSource {
  userAgent?: string;
  address?: string;
}

/**
 * Creates the hello handler: it returns the visitor and the `welcome` to send (the caller
 * attaches the connection), or why it refused. It rejects when the store is unreachable.
 */
export function createHello(o: HelloOptions) {
  const { store, registry } = o;

  async function helloNow(f: HelloFrame, from: HelloSource) {
    const t = o.now();
    let v = await registry.get(f.vid);
    let token: string | undefined;
    let created = false;
    if (v && !f.token) {
      // A known id without any token: a page that never got (or lost) the token, e.g. one opened
      // before the first welcome was stored. It starts as a new visitor under a new id (welcome
      // carries it) instead of a dead end; acting as the old visitor still needs its token.
      f = { ...f, vid: randomBytes(16).toString('base64url').slice(0, 21) };
      v = undefined;
    }
    if (v) {
      if (!f.token || !safeEqual(hashToken(f.token), v.tokenHash)) return 'invalid_token';
    } else {
      token = newToken();
      const first = f.firstSeenAt > 0 ? Math.min(f.firstSeenAt, t) : t;
      v = registry.fresh(newStoredVisitor(f.vid, hashToken(token), first, t));
      created = true;
    }
    // The rows a hello adds besides the visitor's, written together once the visitor is.
    const rows: (() => Promise<void>)[] = [];
    const visits = Math.min(f.visits, 1e6);
    const newVisit = visits > v.visits;
    const page = pageWithoutBidi(f.page);
    if (newVisit) {
      v.visits = visits;
      v.visitStartedAt = t;
      v.referrer = page.referrer;
      rows.push(() => store.addVisit(v.id, visits, t, page.referrer));
    }
    // A reconnect on the same page is not a page view; a new page or a new visit is.
    if (created || newVisit || page.url != v.pageUrl) {
      const visit = v.visits;
      rows.push(() => store.addPageView(v.id, visit, page, t));
      pageViewed(v, page, t);
    } else v.pageTitle = page.title;
    const ua = parseUserAgent(from.userAgent);
    v.device = f.device;
    v.language = f.lang || null;
    if (ua.browser) v.browser = ua.browser;
    if (ua.os) v.os = ua.os;
    if (f.group !== undefined) v.group = f.group || null;
    // The address says where the visitor is now; a local one (a proxy we do not trust, a test)
    // says nothing, so the country stays unknown rather than keeping a stale one.
    v.country = countryOf(from.address)?.code ?? null;
    if (f.timeZone) v.timeZone = f.timeZone;
    v.ip = o.storeIp ? (from.address ?? null) : null;
    if (f.profile && applyProfile(v, f.profile)) v.verified = false;
    if (f.variables && !mergeVariables(v, f.variables, f.variableLabels))
      o.log.warn(`visitor ${v.id}: more than 100 variables, change ignored`);
    setActivity(v, f.activeAt, t);
    changed(v);
    // A new visitor is stored whole, then its visit and page (they refer to it); a known one's
    // row and the new rows go at once (a database with a pool writes them side by side).
    if (created) {
      await registry.insert(v);
      await Promise.all(rows.map((write) => write()));
    } else await Promise.all([registry.save(v), ...rows.map((write) => write())]);
    o.emit(v);
    const welcome: WelcomeFrame = {
      t: 'welcome',
      v: PROTOCOL_VERSION,
      vid: v.id,
      blocked: v.blockedAt != null,
      online: o.agentsOnline(),
      messages: [],
      rules: o.rules(v.country),
    };
    // The widget refuses a larger file at once: a browser shows the 413 only after the upload.
    if (o.maxUploadBytes) welcome.maxFile = o.maxUploadBytes;
    // The newest page only (one more read tells whether older ones exist): a reload of a long
    // chat does not pull the whole conversation; the widget asks with `hist` as it scrolls.
    const recent = v.conversation
      ? await store.messages(v.conversation.id, WELCOME_MESSAGES + 1)
      : [];
    welcome.messages = recent.slice(-WELCOME_MESSAGES);
    if (recent.length > WELCOME_MESSAGES) welcome.more = true;
    if (token) welcome.token = token;
    return { visitor: v, welcome };
  }

  return async function hello(
    f: HelloFrame,
    from: HelloSource = {},
  ): Promise<{ visitor: LiveVisitor; welcome: WelcomeFrame } | HelloRefusal> {
    if (!o.keys.includes(f.key)) return 'unknown_key';
    return registry.serial(f.vid, () => helloNow(f, from));
  };
}
