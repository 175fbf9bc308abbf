import { PROTOCOL_VERSION, isRecord, type ClientFrame } from '../protocol';
import type { ConnectionStatus, Transport, TransportListener } from '../transport/types';
import type { WidgetEvents } from './commands';
import { resolveConfig } from './config';
import { detectDevice } from './device';
import { createEmitter } from './emitter';
import { createFrameRouter } from './kernel-frames';
import {
  createVidCookie,
  loadIdentity,
  newIdentity,
  saveIdentity,
  touchIdentity,
  type IdentityDeps,
} from './identity';
import { newId } from './id';
import { createWarn } from './log';
import { pageInfo } from './pageviews';
import { createActivityTracker, type ActivityTracker } from './activity';
import { createHeartbeat, type Heartbeat } from './heartbeat';
import { createTabChannel, shareTransport } from './tabs';
import { offline } from '../transport/offline';
import { kernelState, type WidgetState } from './state';
import { blankVisitor, parseStoredVisitor } from './visitor';
import { createConsentStore, createIdbStore, hasDatabase } from './storage';

import type { Kernel, KernelInternals, KernelOptions } from './kernel-types';

export type * from './kernel-types';

/** The widget's own IndexedDB database (createIdbStore's default). */
const DB_NAME = 'visitor-chat';

/**
 * Creates and boots the presence kernel. Never throws for bad options: it warns instead.
 * `needChat` is called when a frame needs the chat layer and it is not attached yet (the
 * script-tag build loads it then). `link`, from the script-tag build, is the transport to the
 * config's `server` (or the promise of it, while its chunk loads: the connection opens once it
 * has come): it replaces the config's `transport` once that has been checked.
 */
export function createKernel(
  options: KernelOptions,
  needChat?: () => void,
  link?: Transport | Promise<Transport>,
): Kernel {
  const warn = createWarn(options.logger === undefined ? globalThis.console : options.logger);
  const otherKeys: Record<string, unknown> = Object.create(null);
  const config = resolveConfig(options, warn, otherKeys);
  const win = options.window || (typeof window == 'object' ? window : undefined);
  const doc = win?.document;
  const nav = win?.navigator;
  const now = options.now || Date.now;
  // A `transport` or `server` without a transport object is warned about by the chat layer.
  const given = (config.transport = (link || config.transport) as Transport | undefined);
  // Until boot, nothing sends (the connection is not open) and close() may be all it hears.
  let transport = typeof given == 'object' ? given : offline;
  const idb = () => win?.indexedDB;
  const backing = options.storage || createIdbStore({ indexedDB: idb, warn });
  const vidCookie =
    config.cookieDomain && doc ? createVidCookie(doc, config.cookieDomain) : undefined;
  /** The chat layer's derived fields (visible, customer...): nothing reads them before it. */
  let derive: Parameters<Kernel['deriveState']>[0] = () => {};
  let activity: ActivityTracker | undefined;
  let heartbeat: Heartbeat | undefined;
  let lastTouch = 0;
  /** The newest activity other tabs of this visitor reported (this tab leads their connection). */
  let remoteAt = 0;
  const activeAt = () => Math.max(activity ? activity.lastActivityAt : 0, remoteAt);
  // Also the identity functions' deps.
  const k: KernelInternals & IdentityDeps = {
    config,
    otherKeys,
    deriveState: (fn) => void (derive = fn),
    warn,
    now,
    newId,
    win,
    doc,
    device: detectDevice(nav?.userAgent, nav?.maxTouchPoints),
    emitter: createEmitter<WidgetEvents>(warn),
    state: kernelState(config, nav?.language) as WidgetState,
    subscribers: new Set(),
    set(patch) {
      derive((k.state = { ...k.state, ...patch }), patch);
      for (const fn of k.subscribers) {
        try {
          // The newest state: a subscriber before this one may have changed it again.
          fn(k.state);
        } catch (e) {
          warn('a state subscriber threw: ' + String(e));
        }
      }
    },
    store: createConsentStore(backing, !config.consentModeEnabled),
    // Consent mode writes no cookie either until consent is given.
    get cookie() {
      return k.store.persisting ? vidCookie : undefined;
    },
    save: (key, value) => void k.store.set(key, value),
    visitor: blankVisitor(),
    updateVisitor(patch, state = {}) {
      k.visitor = { ...k.visitor, ...patch };
      k.save('visitor', k.visitor);
      k.set(state);
    },
    send: (frame, final) => k.state.connection == 'open' && transport.send(frame, final),
    hello() {
      const id = k.identity!;
      const v = k.visitor;
      const frame: ClientFrame = {
        t: 'hello',
        v: PROTOCOL_VERSION,
        key: config.key,
        vid: id.vid,
        visits: id.visits,
        firstSeenAt: id.firstSeenAt,
        page: k.page,
        device: k.device,
        lang: k.state.lang,
        activeAt: activeAt(),
        profile: v.profile,
        variables: v.variables,
        variableLabels: v.labels,
        token: id.token,
        group: v.group,
        // Learned on opening (actions.ts): reading it here starts ICU (50-250 ms) on every page.
        timeZone: v.timeZone,
      };
      k.welcomed = false;
      transport.send(frame);
    },
    welcomed: false,
    page: pageInfo(doc?.URL || '', doc?.title || '', doc?.referrer || ''),
    pageStartedAt: now(),
    setPage(page) {
      if (page) k.page = page;
      k.pageStartedAt = now();
    },
    attachChat: (frame) => frames.attach(frame),
    withdrawConsent(keys) {
      for (const key of keys) void backing.del(key);
      k.store = createConsentStore(backing, false);
    },
    resetIdentity() {
      k.visitor = blankVisitor();
      return (k.identity = newIdentity(k));
    },
    reopen() {
      transport.open(listener);
    },
    destroy() {
      k.destroyed = true;
      activity?.stop();
      heartbeat?.stop();
      transport.close?.();
      k.tabs?.close();
      k.subscribers.clear();
    },
    booted: undefined!,
  };

  const frames = createFrameRouter(k, (id) => saveIdentity(k, id), needChat);
  const listener: TransportListener = { frame: frames.frame, status: onStatus };

  function onStatus(status: ConnectionStatus) {
    if (status != 'open') k.welcomed = false;
    k.set({ connection: status });
    // The first frame of every connection says who we are; the server answers `welcome`.
    if (status == 'open' && k.identity) k.hello();
  }

  function startPresence(w: Window, d: Document) {
    const hb = (heartbeat = createHeartbeat({
      intervalMs: config.heartbeatMs,
      lastActivityAt: activeAt,
      send(frame, final) {
        k.send(frame, final);
        // Keeps the visit alive for the 30-minute session rule, at most every 10 s.
        const id = k.identity;
        if (id && now() - lastTouch > 10000) {
          lastTouch = now();
          k.identity = touchIdentity(k, id);
        }
      },
      now,
    }));
    activity = createActivityTracker({
      window: w,
      document: d,
      now,
      onActivity: () => hb.poke(),
      onVisibility: (visible) => visible || hb.hide(),
      onPageShow: (persisted) => {
        // Restored from the back/forward cache: timers and sockets may be gone.
        if (persisted && k.state.connection != 'open' && k.state.connection != 'stopped')
          k.reopen();
      },
    });
  }

  async function boot() {
    if (config.consentModeEnabled) {
      // An earlier consent is looked for without creating anything: in our database only when
      // the browser lists it (a custom store is read as it is), or the site says it has it.
      const consent = config.marketingConsent
        ? { marketing: true }
        : (options.storage || (await hasDatabase(idb, DB_NAME))) && (await backing.get('consent'));
      if (isRecord(consent) && consent.marketing === true) {
        await k.store.persist();
        k.state.consent = { analytics: consent.analytics === true, marketing: true };
      }
    }
    // One tab at a time: two tabs opened at once on a first visit must not make two visitors.
    const id = (k.identity = await (nav?.locks?.request('visitor-chat:id', load).catch(load) ||
      load()));
    const v = await k.store.get('visitor');
    const stored = parseStoredVisitor(v);
    if (stored) k.visitor = stored;
    else if (v !== undefined) warn('dropped invalid stored visitor data');
    if (k.destroyed) return;
    k.set({ vid: id.vid, visits: id.visits, blocked: k.visitor.blocked });
    if (win && doc) startPresence(win, doc);
    const name = 'visitor-chat:' + id.vid;
    const tabs = (k.tabs = createTabChannel(win, name));
    tabs?.open();
    // The HTTP transport's chunk may still be on its way (main.ts).
    transport = await transport;
    if (k.destroyed) return;
    if (transport != offline)
      transport = shareTransport(
        transport,
        name,
        win,
        (at) => {
          remoteAt = Math.max(remoteAt, at);
          heartbeat?.poke();
        },
        tabs,
      );
    transport.open(listener);
  }

  const load = () => loadIdentity(k);
  k.booted = boot().catch((e) => warn('failed to start: ' + String(e)));
  return k as Kernel;
}
