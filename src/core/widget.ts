import { nanoid } from 'nanoid';
import {
  MAX_TEXT,
  PROTOCOL_VERSION,
  isRecord,
  parseMessage,
  parseServerFrame,
  type ClientFrame,
  type Device,
  type Message,
  type PageInfo,
  type Profile,
  type ServerFrame,
  type VariableValue,
} from '../protocol';
import type { ConnectionStatus, Transport } from '../transport/types';
import { createActivityTracker, type ActivityTracker } from './activity';
import { runCommand, type Actions, type CommandName, type Commands, type EventName, type Listener, type WidgetEvents } from './commands';
import { resolveConfig, type Config } from './config';
import { detectDevice } from './device';
import { createEmitter } from './emitter';
import { createHeartbeat, type Heartbeat } from './heartbeat';
import {
  createVidCookie,
  loadIdentity,
  resetIdentity,
  saveToken,
  touchIdentity,
  type Identity,
  type IdentityDeps,
} from './identity';
import { createWarn, type Logger } from './log';
import { createOutbox } from './outbox';
import { createPageTracker, type PageTracker } from './pageviews';
import { createRuleEngine, parseRules, type AutoMessageRule, type RuleEngine } from './rules';
import type { ChatMessage, WidgetState } from './state';
import { createConsentStore, createIdbStore, type KeyValueStore } from './storage';

/** Options of {@link createWidget}: the config keys plus injectable environment. */
export interface WidgetOptions extends Config {
  /** The page's window (default: the global one, if any). Pass nothing in Node to run headless. */
  window?: Window;
  /** Where to persist (default: IndexedDB in the widget's own database, memory as fallback). */
  storage?: KeyValueStore;
  /** Where warnings go (default: console). */
  logger?: Logger;
  /** Clock (default: Date.now). */
  now?: () => number;
  /**
   * `false` (or nothing) runs headless. A function mounts a UI: the core calls it once, after
   * the page's `load` event on idle time, or at once when a message arrives or the chat opens.
   */
  ui?: false | ((widget: Widget) => void | Promise<void>);
}

/** The headless widget: state, events, commands and actions. */
export interface Widget {
  /** Current state snapshot (immutable; replaced on every change). */
  readonly state: WidgetState;
  /** Calls `fn` with each new state; returns an unsubscribe function. */
  subscribe(fn: (state: WidgetState) => void): () => void;
  /** Subscribes to an event; returns an unsubscribe function. */
  on<K extends EventName>(event: K, fn: Listener<K>): () => void;
  off<K extends EventName>(event: K, fn: Listener<K>): void;
  /**
   * Runs a command by its public name once the widget is ready. Rejects with a clear error on
   * an unknown command or a bad argument.
   * @example await widget.run('name', 'Ada');
   */
  run<E extends EventName>(command: 'on' | 'off', event: E, listener: Listener<E>): Promise<void>;
  run<K extends Exclude<CommandName, 'on' | 'off'>>(command: K, ...args: Commands[K]): Promise<void>;
  /** Runs snippet-style arguments (`['name', 'Ada']` or `[fn]`); never throws, warns instead. */
  exec(args: ArrayLike<unknown>): void;
  /** Resolves once storage is loaded and queued commands have run. */
  ready(): Promise<WidgetState>;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Sends a visitor message; resolves with it once it is in the outbox. */
  send(text: string): Promise<Message>;
  /** Submits the contact form: identifies the visitor (a customer from now on). */
  submitContactForm(fields: Profile & { consent?: boolean }): Promise<void>;
  /** Sends the value of a quick-reply button as the visitor's message. */
  pickQuickReply(messageId: string, value: string): Promise<Message>;
  /** Resends a visitor message whose delivery failed. */
  retry(cid: string): void;
  /** Marks every message read (the window is showing them). */
  markRead(): void;
  /** Dismisses the auto-message popup without opening the chat. */
  dismissAutoMessage(): void;
  /** Updates the composer text (and tells the server the visitor is typing). */
  setDraft(text: string): void;
  /** Stops everything: listeners, timers, the transport. */
  destroy(): void;
}

/** How long a sent visitor message waits for its ack before it shows as failed. */
const ACK_TIMEOUT = 15000;
const STORE_KEYS = ['identity', 'outbox', 'messages', 'visitor', 'consent'];
/** Messages kept on the device to show the conversation right away after a reload. */
const KEEP_MESSAGES = 100;

interface StoredVisitor {
  profile: Profile;
  variables: Record<string, VariableValue>;
  customer: boolean;
  blocked: boolean;
  group?: string;
  /** Rule id → visit number it was last shown in. */
  shown: Record<string, number>;
}

/** Timer functions called unbound: a browser refuses `setTimeout` called as another object's method. */
const timers = {
  setTimeout: ((fn: () => void, ms?: number) => setTimeout(fn, ms)) as typeof setTimeout,
  clearTimeout: ((h?: ReturnType<typeof setTimeout>) => clearTimeout(h)) as typeof clearTimeout,
};

/** A transport that never connects: messages wait in the outbox until one is configured. */
const offlineTransport: Transport = {
  open: (l) => l.status('closed'),
  send: () => false,
  close() {},
};

/**
 * Creates the headless visitor engine. Nothing is thrown into the caller for bad options:
 * they are warned about and replaced by defaults.
 *
 * @example
 * const widget = createWidget({ key: 'demo', transport: createMemoryTransport(), ui: false });
 * widget.on('message_received', (m) => console.log(m.text));
 * await widget.send('Hello');
 */
export function createWidget(options: WidgetOptions): Widget {
  const warn = createWarn(options.logger === undefined ? globalThis.console : options.logger);
  const config = resolveConfig(options, warn);
  const win = options.window || (typeof window == 'object' ? window : undefined);
  const doc = win?.document;
  const now = options.now || Date.now;
  const emitter = createEmitter<WidgetEvents>(warn);
  const transport =
    typeof config.transport == 'object' ? config.transport : resolveTransport(config.transport);
  const nav = win?.navigator;
  const device: Device = nav ? detectDevice(nav.userAgent, nav.maxTouchPoints) : 'desktop';
  const language = nav?.language || config.lang;

  function resolveTransport(kind: unknown): Transport {
    if (kind || config.server)
      warn('no built-in ' + (kind || 'server') + ' transport in this build; running offline');
    return offlineTransport;
  }

  // ---- storage ----
  const backing =
    options.storage || createIdbStore({ indexedDB: win?.indexedDB, warn });
  let store = createConsentStore(backing, !config.consentModeEnabled);
  const getStore = () => store;
  const save = (key: string, value: unknown) => void store.set(key, value);
  const vidCookie =
    config.cookieDomain && doc ? createVidCookie(doc, config.cookieDomain) : undefined;
  const deps: IdentityDeps = {
    get store() {
      return store;
    },
    now,
    newId: nanoid,
    warn,
    // Consent mode writes no cookie either until consent is given.
    get cookie() {
      return store.persisting ? vidCookie : undefined;
    },
  };
  const outbox = createOutbox(getStore, warn);

  // ---- state ----
  let visitor: StoredVisitor = { profile: {}, variables: {}, customer: false, blocked: false, shown: {} };
  let identity: Identity | undefined;
  let shownByApi = !config.hideWidget;
  let state: WidgetState = {
    ready: false,
    vid: null,
    connection: 'connecting',
    visible: false,
    open: false,
    blocked: false,
    agentsOnline: false,
    agentTyping: false,
    messages: [],
    unread: 0,
    draft: '',
    profile: {},
    variables: {},
    customer: false,
    lang: config.lang,
    translations: {},
    theme: { color: config.color, gradient: false },
    autoMessage: null,
    consent: { analytics: false, marketing: false },
    needsContactForm: config.requireLogin,
    visits: 0,
    config,
  };
  const subscribers = new Set<(s: WidgetState) => void>();

  function set(patch: Partial<WidgetState>) {
    const prevUnread = state.unread;
    const next = { ...state, ...patch };
    next.visible = shownByApi && !next.blocked && !(config.hideMobileWidget && device == 'mobile');
    next.customer = visitor.customer;
    next.profile = visitor.profile;
    next.variables = visitor.variables;
    next.group = visitor.group;
    next.needsContactForm = config.requireLogin && !visitor.customer;
    state = next;
    for (const fn of subscribers) {
      try {
        fn(state);
      } catch (e) {
        warn('a state subscriber threw: ' + String(e));
      }
    }
    if (state.unread != prevUnread) emitter.emit('unread', state.unread);
  }

  const saveVisitor = () => save('visitor', visitor);
  const saveMessages = () => save('messages', state.messages.slice(-KEEP_MESSAGES));
  /** Sends while connected; frames that miss the connection are covered by the next hello. */
  const send = (frame: ClientFrame, final?: boolean) =>
    state.connection == 'open' && transport.send(frame, final);

  // ---- messages and outbox ----
  let welcomed = false;
  let ackTimer: ReturnType<typeof setTimeout> | undefined;

  function upsert(m: ChatMessage): boolean {
    const list = state.messages;
    const i = list.findIndex((x) => x.id == m.id || (m.cid !== undefined && x.cid == m.cid));
    if (i >= 0) {
      const copy = list.slice();
      copy[i] = { ...list[i], ...m };
      set({ messages: copy });
      return false;
    }
    set({ messages: list.concat(m).sort((a, b) => a.at - b.at) });
    return true;
  }

  function flushOutbox() {
    if (!welcomed || state.blocked) return;
    for (const m of outbox.pending()) {
      if (!send({ t: 'msg', cid: m.cid!, text: m.text, at: m.at })) break;
      upsert({ ...m, status: 'sending' });
    }
    armAckTimer();
  }

  function armAckTimer() {
    if (ackTimer || !outbox.pending().length) return;
    ackTimer = setTimeout(() => {
      ackTimer = undefined;
      const pending = new Set(outbox.pending().map((m) => m.cid));
      set({ messages: state.messages.map((m) => (m.cid && pending.has(m.cid) && m.status == 'sending' ? { ...m, status: 'failed' } : m)) });
    }, ACK_TIMEOUT);
  }

  function sendMessage(text: string): Message | string {
    if (state.blocked) return 'you were blocked by the site; chat is unavailable';
    const cid = nanoid();
    const m: Message = { id: cid, cid, from: 'visitor', text, at: now() };
    outbox.add(m);
    upsert({ ...m, status: 'sending' });
    saveMessages();
    if (state.autoMessage) set({ autoMessage: null });
    emitter.emit('message_sent', m);
    flushOutbox();
    return m;
  }

  // ---- server frames ----
  function onFrame(raw: unknown) {
    const f = parseServerFrame(raw);
    if (typeof f == 'string') return warn('ignored a server frame: ' + f);
    try {
      handleFrame(f);
    } catch (e) {
      warn('failed to handle a "' + f.t + '" frame: ' + String(e));
    }
  }

  function handleFrame(f: ServerFrame) {
    switch (f.t) {
      case 'welcome': {
        welcomed = true;
        if (identity && (f.vid != identity.vid || f.token)) {
          identity = { ...identity, vid: f.vid };
          if (f.token) void saveToken(deps, identity, f.token).then((i) => (identity = i));
        }
        setBlocked(!!f.blocked);
        if (f.rules) rules?.setRules(parseRules(f.rules, warn));
        const patch: Partial<WidgetState> = { agentsOnline: !!f.online, vid: f.vid };
        if (f.messages) {
          // The server's conversation replaces ours; messages still in the outbox stay on top.
          const pending = outbox.pending();
          const known = new Set(f.messages.map((m) => m.cid).filter(Boolean));
          for (const m of f.messages) if (m.cid) outbox.ack(m.cid);
          patch.messages = (f.messages as ChatMessage[])
            .map((m) => (m.from == 'visitor' ? { ...m, status: 'sent' as const } : m))
            .concat(pending.filter((m) => !known.has(m.cid)).map((m) => ({ ...m, status: 'sending' as const })));
        }
        set(patch);
        if (f.messages) saveMessages();
        flushOutbox();
        rules?.check();
        break;
      }
      case 'ack': {
        const m = outbox.ack(f.cid);
        const existing = state.messages.find((x) => x.cid == f.cid);
        if (m || existing) upsert({ ...(m || existing!), id: f.id, at: f.at, status: 'sent' });
        saveMessages();
        if (!outbox.pending().length && ackTimer) {
          clearTimeout(ackTimer);
          ackTimer = undefined;
        }
        break;
      }
      case 'msg': {
        const m = f.m;
        if (m.from == 'visitor') {
          // An echo of our own message (from this or another tab): it counts as an ack.
          if (m.cid) outbox.ack(m.cid);
          upsert({ ...m, status: 'sent' });
        } else if (upsert(m)) {
          const patch: Partial<WidgetState> = { agentTyping: false };
          if (!state.open || doc?.visibilityState == 'hidden') patch.unread = state.unread + 1;
          if (!state.open && !hasConversation(m.id)) patch.autoMessage = { rule: m.id, text: m.text, name: m.name, replies: m.replies };
          set(patch);
          startUI();
          emitter.emit('message_received', m);
        }
        saveMessages();
        break;
      }
      case 'blocked':
      case 'unblocked':
        setBlocked(f.t == 'blocked');
        break;
      case 'typing':
        set({ agentTyping: f.on });
        break;
      case 'status':
        set({ agentsOnline: f.online });
        break;
      case 'err':
        emitter.emit('error', { code: f.code, message: f.message || f.code });
        break;
    }
  }

  /** A conversation is open when the visitor or an agent wrote (besides `exceptId`). */
  const hasConversation = (exceptId?: string) =>
    state.messages.some((m) => m.id != exceptId && (m.from == 'visitor' || m.from == 'agent'));

  function setBlocked(blocked: boolean) {
    if (blocked == state.blocked) return;
    visitor = { ...visitor, blocked };
    saveVisitor();
    set({ blocked, open: blocked ? false : state.open, autoMessage: blocked ? null : state.autoMessage });
    emitter.emit(blocked ? 'blocked' : 'unblocked', true);
    if (!blocked) flushOutbox();
  }

  // ---- presence: activity, heartbeats, page views ----
  let activity: ActivityTracker | undefined;
  let heartbeat: Heartbeat | undefined;
  let pages: PageTracker | undefined;
  let rules: RuleEngine | undefined;
  let pageStartedAt = now();
  let lastTouch = 0;

  function hello(): ClientFrame {
    const id = identity!;
    const frame: ClientFrame = {
      t: 'hello',
      v: PROTOCOL_VERSION,
      key: config.key,
      vid: id.vid,
      visits: id.visits,
      firstSeenAt: id.firstSeenAt,
      page: pages ? pages.current() : { url: '', title: '', referrer: '' },
      device,
      lang: state.lang,
      activeAt: activity ? activity.lastActivityAt : 0,
      profile: visitor.profile,
      variables: visitor.variables,
    };
    if (id.token) frame.token = id.token;
    if (visitor.group) frame.group = visitor.group;
    return frame;
  }

  function onStatus(status: ConnectionStatus) {
    if (status != 'open') welcomed = false;
    set({ connection: status });
    // The first frame of every connection says who we are; the server answers `welcome`.
    if (status == 'open' && identity) transport.send(hello());
    if (status == 'stopped' && outbox.pending().length)
      set({ messages: state.messages.map((m) => (m.status == 'sending' ? { ...m, status: 'failed' } : m)) });
  }

  function startPresence() {
    if (!win || !doc) return;
    heartbeat = createHeartbeat({
      intervalMs: config.heartbeatMs,
      lastActivityAt: () => activity!.lastActivityAt,
      send(frame, final) {
        send(frame, final);
        // Keeps the visit alive for the 30-minute session rule, at most once per heartbeat.
        if (identity && now() - lastTouch > 10000) {
          lastTouch = now();
          void touchIdentity(deps, identity).then((i) => (identity = i));
        }
      },
      now,
      ...timers,
    });
    activity = createActivityTracker({
      window: win,
      document: doc,
      now,
      onActivity: () => heartbeat!.poke(),
      onVisibility: (visible) => {
        if (!visible) heartbeat!.hide();
      },
      onPageShow: (persisted) => {
        // Restored from the back/forward cache: timers and sockets may be gone.
        if (persisted && state.connection != 'open' && state.connection != 'stopped') transport.open(listener);
      },
    });
    pages = createPageTracker({
      window: win,
      document: doc,
      onPage(page: PageInfo) {
        pageStartedAt = now();
        send({ t: 'page', ...page });
        rules?.check();
      },
    });
  }

  function startRules() {
    rules = createRuleEngine({
      rules: parseRules(config.rules, warn),
      context: () => {
        const page = pages?.current();
        return {
          url: page?.url || '',
          referrer: page?.referrer || '',
          pageStartedAt,
          visitStartedAt: identity?.visitStartedAt || pageStartedAt,
          visits: identity?.visits || 1,
          device,
          language,
          chatting: hasConversation() || state.blocked,
        };
      },
      now,
      ...timers,
      wasShown: (rule: AutoMessageRule) => {
        const visit = visitor.shown[rule.id];
        return visit !== undefined && (rule.frequency == 'visitor' || visit == identity?.visits);
      },
      fire: (rule: AutoMessageRule) => {
        visitor = { ...visitor, shown: { ...visitor.shown, [rule.id]: identity?.visits || 1 } };
        saveVisitor();
        const auto = { rule: rule.id, text: rule.text, name: rule.name, replies: rule.replies };
        const m: ChatMessage = { id: 'am-' + rule.id + '-' + now(), from: 'trigger', text: rule.text, at: now() };
        if (rule.name) m.name = rule.name;
        if (rule.replies) m.replies = rule.replies;
        upsert(m);
        const openIt = config.openOnTrigger && device == 'desktop' && !state.blocked;
        set({ autoMessage: openIt ? null : auto, open: openIt || state.open, unread: openIt ? state.unread : state.unread + 1 });
        send({ t: 'am', rule: rule.id, text: rule.text });
        startUI();
        emitter.emit('auto_message', auto);
      },
    });
  }

  // ---- actions (validated input only) ----
  const blockedError = () => (state.blocked ? 'you were blocked by the site; chat is unavailable' : undefined);

  const actions: Actions = {
    identify(profile, variables, userHash) {
      const changedProfile = Object.keys(profile).length > 0;
      let changedVars: Record<string, VariableValue> | undefined;
      if (variables) {
        for (const k of Object.keys(variables))
          if (visitor.variables[k] !== variables[k]) (changedVars ||= {})[k] = variables[k];
      }
      visitor = {
        ...visitor,
        profile: { ...visitor.profile, ...profile },
        variables: changedVars ? { ...visitor.variables, ...changedVars } : visitor.variables,
        customer: visitor.customer || changedProfile,
      };
      saveVisitor();
      set({});
      if (changedProfile || userHash) send({ t: 'id', ...profile, ...(userHash ? { userHash } : {}) });
      if (changedVars) send({ t: 'vars', vars: changedVars });
    },
    group(group) {
      visitor = { ...visitor, group };
      saveVisitor();
      set({});
      send({ t: 'group', group });
    },
    language(code) {
      set({ lang: code.toLowerCase() });
    },
    open() {
      const err = blockedError();
      if (err) return err;
      shownByApi = true;
      if (state.open) return;
      set({ open: true, autoMessage: null });
      startUI();
      markRead();
      send({ t: 'chat', open: true });
      emitter.emit('chat_open', true);
    },
    close() {
      if (!state.open) return;
      set({ open: false });
      send({ t: 'chat', open: false });
      emitter.emit('messenger_close', true);
    },
    show(visible) {
      const err = blockedError();
      if (err) return err;
      shownByApi = visible;
      set({});
    },
    prefill(text) {
      return blockedError() || set({ draft: text });
    },
    send(text) {
      const m = sendMessage(text.trim());
      if (typeof m == 'string') return m;
    },
    theme(theme) {
      set({ theme });
    },
    consent(kind, value) {
      if (!config.consentModeEnabled) warn(kind + 'Consent has no effect unless consentModeEnabled is set');
      set({ consent: { ...state.consent, [kind]: value } });
      if (kind != 'marketing') return save('consent', state.consent);
      if (value && !store.persisting) {
        // Consent given: what lived in memory is written to the device from now on.
        void store.persist().then(() => save('consent', state.consent));
      } else if (!value && config.consentModeEnabled && store.persisting) {
        // Consent withdrawn: wipe the device and keep going in memory.
        for (const k of STORE_KEYS) void backing.del(k);
        store = createConsentStore(backing, false);
        persistAll();
      } else save('consent', state.consent);
    },
    logout() {
      void resetIdentity(deps, STORE_KEYS).then((id) => {
        identity = id;
        outbox.clear();
        visitor = { profile: {}, variables: {}, customer: false, blocked: false, shown: {} };
        saveVisitor();
        welcomed = false;
        set({ vid: id.vid, messages: [], unread: 0, draft: '', autoMessage: null, open: false, blocked: false, visits: id.visits });
        // A new hello on the same connection re-binds it to the new visitor.
        if (state.connection == 'open') transport.send(hello());
      });
    },
    on(event, fn) {
      emitter.on(event, fn);
    },
    off(event, fn) {
      emitter.off(event, fn);
    },
    page(page) {
      if (pages) pages.record(page);
      else if (page.url) {
        pageStartedAt = now();
        send({ t: 'page', url: page.url, title: page.title || '', referrer: page.referrer || '' });
      }
    },
    trigger(name) {
      rules?.event(name);
    },
    translations(strings) {
      set({ translations: { ...state.translations, ...strings } });
    },
  };

  function persistAll() {
    saveVisitor();
    saveMessages();
    save('consent', state.consent);
    if (identity) save('identity', identity);
    save('outbox', outbox.pending());
  }

  function markRead() {
    if (state.unread) set({ unread: 0 });
    send({ t: 'read', at: now() });
  }

  // ---- boot: load storage, then run what was queued, in order ----
  const queue: Array<() => void> = [];
  const readyFns: Array<(s: WidgetState) => void> = [];
  let destroyed = false;
  const listener = { frame: onFrame, status: onStatus };

  async function boot() {
    if (config.consentModeEnabled) {
      const consent = await backing.get('consent');
      if (isRecord(consent) && consent.marketing === true) {
        await store.persist();
        state = { ...state, consent: { analytics: consent.analytics === true, marketing: true } };
      }
    }
    identity = await loadIdentity(deps);
    const stored = await store.get('visitor');
    if (isRecord(stored) && isRecord(stored.profile) && isRecord(stored.variables) && isRecord(stored.shown))
      visitor = {
        profile: stored.profile as Profile,
        variables: stored.variables as Record<string, VariableValue>,
        customer: stored.customer === true,
        blocked: stored.blocked === true,
        group: typeof stored.group == 'string' ? stored.group : undefined,
        shown: stored.shown as Record<string, number>,
      };
    else if (stored !== undefined) warn('dropped invalid stored visitor data');
    const storedMessages = await store.get('messages');
    const messages: ChatMessage[] = [];
    if (Array.isArray(storedMessages))
      for (const raw of storedMessages) {
        const r = parseMessage(raw);
        if (typeof r != 'string') messages.push(r);
      }
    await outbox.load();
    for (const m of outbox.pending()) if (!messages.some((x) => x.cid == m.cid)) messages.push(m);
    const pendingIds = new Set(outbox.pending().map((m) => m.cid));
    if (destroyed) return;
    set({
      vid: identity.vid,
      visits: identity.visits,
      blocked: visitor.blocked,
      messages: messages.map((m) => (m.from == 'visitor' ? { ...m, status: pendingIds.has(m.cid) ? 'sending' : 'sent' } : m)),
    });
    startPresence();
    startRules();
    transport.open(listener);
    set({ ready: true });
    for (const fn of queue.splice(0)) fn();
    emitter.emit('ready', { vid: identity.vid });
    for (const fn of readyFns.splice(0)) fn(state);
    rules?.check();
    scheduleUI();
  }

  // ---- the UI loads late: after `load`, on idle, unless something needs it sooner ----
  let uiStarted = false;
  function startUI() {
    if (uiStarted || !options.ui || destroyed) return;
    uiStarted = true;
    const fail = (e: unknown) => warn('the chat UI failed to load: ' + String(e));
    try {
      Promise.resolve(options.ui(widget)).catch(fail);
    } catch (e) {
      fail(e);
    }
  }

  function scheduleUI() {
    if (!options.ui) return;
    if (!win || !doc) return startUI();
    const idle = () =>
      win.requestIdleCallback ? win.requestIdleCallback(startUI, { timeout: 2000 }) : setTimeout(startUI, 50);
    if (doc.readyState == 'complete') idle();
    else win.addEventListener('load', idle, { once: true });
  }

  /** Runs `fn` now if ready, else after boot, in call order. */
  const whenReady = (fn: () => void) => (state.ready ? fn() : void queue.push(fn));

  function runNow(name: unknown, args: unknown[]): string | void {
    try {
      return runCommand(actions, name, args);
    } catch (e) {
      return 'command "' + String(name) + '" failed: ' + String(e);
    }
  }

  const run = (name: unknown, args: unknown[]) =>
    new Promise<void>((resolve, reject) =>
      whenReady(() => {
        const err = runNow(name, args);
        if (err) reject(new Error('[visitor-chat] ' + err));
        else resolve();
      }),
    );

  const widget: Widget = {
    get state() {
      return state;
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    on: (event, fn) => emitter.on(event, fn),
    off: (event, fn) => emitter.off(event, fn),
    run: (command: string, ...args: unknown[]) => run(command, args),
    exec(args) {
      try {
        const list = Array.prototype.slice.call(args);
        if (typeof list[0] == 'function') {
          const fn = list[0] as () => void;
          return whenReady(() => {
            try {
              fn();
            } catch (e) {
              warn('a ready callback threw: ' + String(e));
            }
          });
        }
        whenReady(() => {
          const err = runNow(list[0], list.slice(1));
          if (err) warn(err);
        });
      } catch (e) {
        warn('bad command call: ' + String(e));
      }
    },
    ready: () => new Promise((resolve) => (state.ready ? resolve(state) : readyFns.push(resolve))),
    open: () => run('chat:open', []),
    close: () => run('chat:close', []),
    send: (text) =>
      new Promise((resolve, reject) =>
        whenReady(() => {
          const t = typeof text == 'string' ? text.trim() : '';
          if (!t || t.length > MAX_TEXT)
            return reject(new Error('[visitor-chat] send needs a non-empty text of at most ' + MAX_TEXT + ' characters'));
          const m = sendMessage(t);
          if (typeof m == 'string') reject(new Error('[visitor-chat] ' + m));
          else resolve(m);
        }),
      ),
    async submitContactForm(fields) {
      const { consent, ...profile } = fields;
      if (config.privacyNoticeCheckRequired && consent !== true)
        throw new Error('[visitor-chat] the privacy notice must be accepted');
      await run('identify', [profile]);
      visitor = { ...visitor, customer: true };
      saveVisitor();
      set({});
      send({ t: 'id', ...visitor.profile, form: true });
    },
    pickQuickReply(messageId, value) {
      const m = state.messages.find((x) => x.id == messageId);
      const reply = m?.replies?.find((r) => r.value == value);
      if (!reply) return Promise.reject(new Error('[visitor-chat] no quick reply "' + value + '" on that message'));
      return widget.send(reply.value);
    },
    retry(cid) {
      const m = state.messages.find((x) => x.cid == cid && x.status == 'failed');
      if (!m) return;
      upsert({ ...m, status: 'sending' });
      flushOutbox();
    },
    markRead: () => whenReady(markRead),
    dismissAutoMessage: () => set({ autoMessage: null }),
    setDraft(text) {
      if (typeof text != 'string' || state.blocked) return;
      const typing = text.length > 0;
      if (typing != state.draft.length > 0) send({ t: 'typing', on: typing });
      set({ draft: text.slice(0, MAX_TEXT) });
    },
    destroy() {
      destroyed = true;
      activity?.stop();
      heartbeat?.stop();
      pages?.stop();
      rules?.stop();
      if (ackTimer) clearTimeout(ackTimer);
      transport.close();
      subscribers.clear();
    },
  };

  boot().catch((e) => warn('failed to start: ' + String(e)));
  return widget;
}
