import { nanoid } from 'nanoid';
import {
  MAX_TEXT,
  parseMessage,
  parseServerFrame,
  type Message,
  type Profile,
  type VariableValue,
} from '../protocol';
import {
  runCommand,
  type Actions,
  type CommandName,
  type Commands,
  type EventName,
  type Listener,
} from './commands';
import { resetIdentity } from './identity';
import { createFiles, type Files } from './files';
import { createKernel, timers, type Kernel, type KernelOptions } from './kernel';
import { createOutbox } from './outbox';
import { createPageTracker } from './pageviews';
import { createRuleEngine, parseRules, type AutoMessageRule, type RuleEngine } from './rules';
import type { ChatMessage, WidgetState } from './state';
import { NPM_OPTIONS, warnUnknownKeys } from './smartsupp-keys';
import { createConsentStore } from './storage';

/** Options of {@link createWidget}: the config keys plus injectable environment. */
export interface WidgetOptions extends KernelOptions {
  /**
   * `false` (or nothing) runs headless. A function mounts a UI: the core calls it once, after
   * the page's `load` event on idle time, or at once when a message arrives or the chat opens.
   * What it returns is ignored (a rejected promise is warned about).
   * @example ui: (w) => import('visitor-chat/ui').then((m) => m.mount(w))
   */
  ui?: false | ((widget: Widget) => unknown);
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
  run<K extends Exclude<CommandName, 'on' | 'off'>>(
    command: K,
    ...args: Commands[K]
  ): Promise<void>;
  /** Runs snippet-style arguments (`['name', 'Ada']` or `[fn]`); never throws, warns instead. */
  exec(args: ArrayLike<unknown>): void;
  /** Resolves once storage is loaded and queued commands have run. */
  ready(): Promise<WidgetState>;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Sends a visitor message; resolves with it once it is in the outbox. */
  send(text: string): Promise<Message>;
  /**
   * Uploads a file to the chat server (the `server` option) and sends it as the visitor's
   * message; resolves with it once it is in the outbox. Rejects for anything but a File or Blob.
   * @example input.onchange = () => widget.sendFile(input.files[0]);
   */
  sendFile(file: Blob): Promise<Message>;
  /** The file layer (uploads, attachments, rating, transcript: core/files.ts), loaded on demand. */
  files(): Promise<Files>;
  /** Submits the contact form: identifies the visitor (a customer from now on). */
  submitContactForm(fields: Profile & { consent?: boolean }): Promise<void>;
  /** Sends the value of a quick-reply button as the visitor's message. */
  pickQuickReply(messageId: string, value: string): Promise<Message>;
  /** Resends a visitor message whose delivery failed. */
  retry(cid: string): void;
  /**
   * Asks the server for the page of messages before the oldest one shown, when it has older
   * ones (`state.older`) and none are on their way (`state.loadingOlder`); they are prepended.
   */
  loadOlder(): void;
  /** Marks every message read (the window is showing them). */
  markRead(): void;
  /** Dismisses the auto-message popup without opening the chat. */
  dismissAutoMessage(): void;
  /** Updates the composer text (and tells the server the visitor is typing). */
  setDraft(text: string): void;
  /** Stops everything: listeners, timers, the transport. */
  destroy(): void;
}

/** What the chat layer tells the other tabs of the visitor (see `share`). */
interface TabSync {
  open?: boolean;
  read?: 1;
  m?: Message;
}

/** How long a sent visitor message waits for its ack before it shows as failed (and is resent). */
const ACK_TIMEOUT = 15000;
/**
 * Where a message sorts: the server's order (an ack brings the server's time); messages it has
 * not stored yet go last, in send order: their `at` is the device's clock, and with one in
 * flight at a time the server stores them after everything it has.
 */
const order = (m: ChatMessage) => (m.status == 'sending' || m.status == 'failed' ? 9e15 : m.at);
const STORE_KEYS = ['identity', 'outbox', 'messages', 'visitor', 'consent', 'uploads'];
/** Messages kept on the device to show the conversation right away after a reload. */
const KEEP_MESSAGES = 100;
const BLOCKED = 'you were blocked by the site; chat is unavailable';

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
  const k = createKernel(options);
  k.unknownKeys = k.unknownKeys.filter((key) => !NPM_OPTIONS.includes(key));
  return installChat(k, options.ui, undefined, () => Promise.resolve({ createFiles }));
}

/** What the file layer's module exports (the script-tag build keeps it in ui.js). */
export type FilesModule = { createFiles: typeof createFiles };

/**
 * Adds the chat layer (commands, outbox, messages, auto-message rules, the UI hook) to a
 * presence kernel. The script-tag build loads it after the page's `load` event. With
 * `onDemand`, the UI is not loaded on idle time: `onDemand` runs once ready instead (the
 * script-tag build draws the launcher shell there), and `ui` runs only when the chat opens or a
 * message or auto message arrives.
 */
export function installChat(
  k: Kernel,
  ui?: WidgetOptions['ui'],
  onDemand?: (widget: Widget) => void,
  filesModule?: () => Promise<FilesModule>,
): Widget {
  const { config, warn, now, emitter, win, doc } = k;
  warnUnknownKeys(k.unknownKeys, warn);
  const locks = win?.navigator.locks;
  const outbox = createOutbox(
    () => k.store,
    warn,
    locks ? (save) => locks.request('visitor-chat:outbox', save).catch(save) : undefined,
  );
  const queue: Array<() => void> = [];
  const readyFns: Array<(s: WidgetState) => void> = [];
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** Client id of the visitor message sent and not yet acknowledged. */
  let inflight: string | undefined;
  let rules: RuleEngine | undefined;
  let uiStarted = false;
  /** `trigger` events fired before the first `welcome` (and its rules) reached this layer. */
  let early: string[] | undefined = [];
  let files: Promise<Files> | undefined;
  const useFiles = () => (files ||= filesModule!().then((m) => m.createFiles(k, sendMessage)));

  const set = k.set;
  const saveMessages = () => k.save('messages', k.state.messages.slice(-KEEP_MESSAGES));

  function upsert(m: ChatMessage): boolean {
    const list = k.state.messages;
    const i = list.findIndex((x) => x.id == m.id || (m.cid !== undefined && x.cid == m.cid));
    const copy = list.slice();
    const last = list[list.length - 1];
    if (i >= 0) copy[i] = { ...list[i], ...m };
    else copy.push(m);
    // A new message after the last one (the usual live case) needs no sort of a long list.
    set({
      messages:
        i < 0 && (!last || order(last) <= order(m))
          ? copy
          : copy.sort((a, b) => order(a) - order(b)),
    });
    return i < 0;
  }

  const markStatus = (
    from: ChatMessage['status'],
    to: ChatMessage['status'],
    only?: Set<unknown>,
  ) =>
    set({
      messages: k.state.messages.map((m) =>
        m.status == from && (!only || only.has(m.cid)) ? { ...m, status: to } : m,
      ),
    });

  /**
   * Sends the oldest unacknowledged message; the next one goes after its ack. One in flight at a
   * time keeps the server's order (it stores in receipt order, de-duplicating by `cid`) the send
   * order whatever the transport does to frames. `again` resends the one in flight: after a
   * `welcome` (a new connection), an unblock, a retry, or when its ack is late.
   */
  function flushOutbox(again?: boolean) {
    const m = outbox.pending()[0];
    if (!m || !k.welcomed || k.state.blocked || (m.cid == inflight && !again)) return;
    const a = m.attachments?.map(({ id }) => ({ id }));
    if (!k.send({ t: 'msg', cid: m.cid!, text: m.text, at: m.at, attachments: a })) return;
    inflight = m.cid;
    clearTimeout(ackTimer);
    ackTimer = setTimeout(() => {
      // No ack in time: show what waits as failed (the UI offers retry), and resend anyway.
      markStatus('sending', 'failed', new Set(outbox.pending().map((x) => x.cid)));
      flushOutbox(true);
    }, ACK_TIMEOUT);
  }

  function sendMessage(text: string, extra?: Partial<Message>): Message | string {
    if (k.state.blocked) return BLOCKED;
    const cid = nanoid();
    const m: Message = { id: cid, cid, from: 'visitor', text, at: now(), ...extra };
    outbox.add(m);
    upsert({ ...m, status: 'sending' });
    saveMessages();
    if (k.state.autoMessage) set({ autoMessage: null });
    share({ m });
    emitter.emit('message_sent', m);
    flushOutbox();
    return m;
  }

  /** A conversation is open when the visitor or an agent wrote (besides `exceptId`). */
  const hasConversation = (exceptId?: string) =>
    k.state.messages.some((m) => m.id != exceptId && (m.from == 'visitor' || m.from == 'agent'));

  function onFrame(raw: unknown) {
    const f = parseServerFrame(raw);
    if (typeof f == 'string') return warn('ignored a server frame: ' + f);
    if (f.t == 'welcome') {
      if (f.messages) {
        // The server's newest messages replace ours from the first of them on; older ones
        // already shown stay when the server says it has older ones (a reconnect in a long
        // chat keeps what was scrolled back to); messages still in the outbox stay on top.
        const pending = outbox.pending();
        const known = new Set(f.messages.map((m) => m.cid).filter(Boolean));
        for (const m of f.messages) if (m.cid) outbox.ack(m.cid);
        const shown = k.state.messages;
        const from =
          f.more && f.messages.length ? shown.findIndex((m) => m.id == f.messages![0].id) : -1;
        set({
          messages: shown.slice(0, Math.max(0, from)).concat(
            (f.messages as ChatMessage[]).map((m) =>
              m.from == 'visitor' ? { ...m, status: 'sent' as const } : m,
            ),
            pending
              .filter((m) => !known.has(m.cid))
              .map((m) => ({ ...m, status: 'sending' as const })),
          ),
          older: !!f.more,
          loadingOlder: false,
        });
        saveMessages();
      } else if (k.state.loadingOlder) set({ loadingOlder: false });
      // Rules after the conversation: "never while a conversation is open" needs the server's.
      if (f.rules) rules?.setRules(parseRules(f.rules, warn));
      // Events fired before the server's rules arrived still count for them.
      for (const name of early || []) rules?.event(name);
      early = undefined;
      flushOutbox(true);
      rules?.check();
    } else if (f.t == 'ack') {
      const m = outbox.ack(f.cid) || k.state.messages.find((x) => x.cid == f.cid);
      if (m) upsert({ ...m, id: f.id, at: f.at, status: 'sent' });
      // Another tab's message whose copy has not reached this tab yet (see onTab).
      else if (tabAcks.size < 100) tabAcks.set(f.cid, f);
      saveMessages();
      if (!outbox.pending().length) clearTimeout(ackTimer);
      flushOutbox();
    } else if (f.t == 'msg') {
      const m = f.m;
      if (m.from == 'visitor') {
        // An echo of our own message (from this or another tab): it counts as an ack.
        if (m.cid) outbox.ack(m.cid);
        upsert({ ...m, status: 'sent' });
        flushOutbox();
      } else if (upsert(m)) {
        const patch: Partial<WidgetState> = { agentTyping: false };
        if (!k.state.open || doc?.visibilityState == 'hidden') patch.unread = k.state.unread + 1;
        if (!k.state.open && !hasConversation(m.id))
          patch.autoMessage = { rule: m.id, text: m.text, name: m.name, replies: m.replies };
        set(patch);
        startUI();
        emitter.emit('message_received', m);
      }
      saveMessages();
    } else if (f.t == 'hist') {
      // Prepended only onto the list it was asked for (a tab that asked with another oldest
      // message, or a list replaced since by a welcome or logout, ignores it).
      const list = k.state.messages;
      if (list[0]?.id != f.before) return;
      const ids = new Set(list.map((m) => m.id));
      set({
        messages: (f.messages as ChatMessage[])
          .filter((m) => !ids.has(m.id))
          .map((m) => (m.from == 'visitor' ? { ...m, status: 'sent' as const } : m))
          .concat(list),
        older: f.more && f.messages.length > 0,
        loadingOlder: false,
      });
    } else if (f.t == 'rules') rules?.setRules(parseRules(f.rules, warn));
    else if (f.t == 'unblocked') flushOutbox(true);
    else if (f.t == 'typing') set({ agentTyping: f.on });
    else if (f.t == 'closed') void useFiles().then((x) => x.closed());
    else if (f.t == 'status') set({ agentsOnline: f.online });
    else if (f.t == 'err') emitter.emit('error', { code: f.code, message: f.message || f.code });
  }

  function startRules() {
    rules = createRuleEngine({
      rules: parseRules(config.rules, warn),
      context: () => {
        const page = k.page;
        return {
          url: page.url,
          referrer: page.referrer,
          pageStartedAt: k.pageStartedAt,
          visitStartedAt: k.identity?.visitStartedAt || k.pageStartedAt,
          visits: k.identity?.visits || 1,
          device: k.device,
          language: k.language,
          chatting: hasConversation() || k.state.blocked,
        };
      },
      now,
      ...timers,
      wasShown: (rule: AutoMessageRule) => {
        const visit = k.visitor.shown[rule.id];
        return visit !== undefined && (rule.frequency == 'visitor' || visit == k.identity?.visits);
      },
      fire: (rule: AutoMessageRule) => {
        k.visitor = {
          ...k.visitor,
          shown: { ...k.visitor.shown, [rule.id]: k.identity?.visits || 1 },
        };
        k.saveVisitor();
        const auto = { rule: rule.id, text: rule.text, name: rule.name, replies: rule.replies };
        const m: ChatMessage = {
          id: 'am-' + rule.id + '-' + now(),
          from: 'trigger',
          text: rule.text,
          at: now(),
        };
        if (rule.name) m.name = rule.name;
        if (rule.replies) m.replies = rule.replies;
        upsert(m);
        const openIt = config.openOnTrigger && k.device == 'desktop';
        set({
          autoMessage: openIt ? null : auto,
          open: openIt || k.state.open,
          unread: openIt ? k.state.unread : k.state.unread + 1,
        });
        k.send({ t: 'am', rule: rule.id, text: rule.text });
        startUI();
        emitter.emit('auto_message', auto);
      },
    });
  }

  // ---- actions (validated input only) ----
  const blockedError = () => (k.state.blocked ? BLOCKED : undefined);

  function markRead() {
    if (k.state.unread) set({ unread: 0 });
    k.send({ t: 'read', at: now() });
    share({ read: 1 });
  }

  function persistAll() {
    k.saveVisitor();
    saveMessages();
    k.save('consent', k.state.consent);
    if (k.identity) k.save('identity', k.identity);
    k.save('outbox', outbox.pending());
  }

  const actions: Actions = {
    warn,
    identify(profile, variables, userHash) {
      const changedProfile = Object.keys(profile).length > 0;
      const v = k.visitor;
      const labels = { ...v.labels };
      let changed: Record<string, VariableValue> | undefined;
      let changedLabels: Record<string, string> | undefined;
      if (variables)
        for (const key of Object.keys(variables)) {
          const x = variables[key];
          const [value, label] = typeof x == 'object' ? [x.value, x.label] : [x];
          if (v.variables[key] === value && labels[key] === label) continue;
          (changed ||= {})[key] = value;
          // A key set again without a label loses the one it had (on the server too).
          if (label) (changedLabels ||= {})[key] = labels[key] = label;
          else delete labels[key];
        }
      k.visitor = {
        ...v,
        profile: { ...v.profile, ...profile },
        variables: changed ? { ...v.variables, ...changed } : v.variables,
        labels,
        customer: v.customer || changedProfile,
      };
      k.saveVisitor();
      set({});
      if (changedProfile || userHash)
        k.send({ t: 'id', ...profile, ...(userHash ? { userHash } : {}) });
      if (changed) k.send({ t: 'vars', vars: changed, labels: changedLabels });
    },
    group(group) {
      k.visitor = { ...k.visitor, group };
      k.saveVisitor();
      set({});
      k.send({ t: 'group', group });
    },
    language(code) {
      set({
        lang: code.toLowerCase(),
      });
    },
    open() {
      if (k.state.blocked) return BLOCKED;
      if (k.state.open) return set({ visible: true });
      set({ open: true, visible: true, autoMessage: null });
      share({ open: true });
      startUI();
      markRead();
      k.send({ t: 'chat', open: true });
      emitter.emit('chat_open', true);
    },
    close() {
      if (!k.state.open) return;
      set({ open: false });
      share({ open: false });
      k.send({ t: 'chat', open: false });
      emitter.emit('messenger_close', true);
    },
    show(visible) {
      return blockedError() || set({ visible });
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
      // Without consent mode the switches are recorded and change nothing: Smartsupp's plugins call
      // them on every page, so that is normal use and not worth a warning.
      set({ consent: { ...k.state.consent, [kind]: value } });
      if (kind == 'marketing' && value && !k.store.persisting) {
        // Consent given: what lived in memory is written to the device from now on.
        void k.store.persist().then(persistAll);
      } else if (kind == 'marketing' && !value && config.consentModeEnabled && k.store.persisting) {
        // Consent withdrawn: wipe the device and keep going in memory.
        for (const key of STORE_KEYS) void k.backing.del(key);
        k.store = createConsentStore(k.backing, false);
        persistAll();
      } else k.save('consent', k.state.consent);
    },
    logout() {
      void resetIdentity(k.deps, STORE_KEYS).then((id) => {
        k.identity = id;
        outbox.clear();
        k.visitor = { profile: {}, variables: {}, customer: false, blocked: false, shown: {} };
        k.saveVisitor();
        set({
          vid: id.vid,
          messages: [],
          older: false,
          loadingOlder: false,
          unread: 0,
          draft: '',
          autoMessage: null,
          open: false,
          blocked: false,
          visits: id.visits,
        });
        // A new hello on the same connection re-binds it to the new visitor.
        if (k.state.connection == 'open') k.hello();
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
        k.pageStartedAt = now();
        k.send({
          t: 'page',
          url: page.url,
          title: page.title || '',
          referrer: page.referrer || '',
        });
      }
    },
    trigger(name) {
      rules?.event(name);
      if (early && early.length < 20) early.push(name);
    },
    translations(strings) {
      set({ translations: { ...k.state.translations, ...strings } });
    },
    file(f) {
      // Without the '[visitor-chat] ' of the rejection: warn adds its own.
      widget.sendFile(f).catch((e: Error) => warn(e.message.slice(15)));
    },
  };

  // ---- the UI loads late: after `load`, on idle, unless something needs it sooner ----
  const fail = (e: unknown) => warn('the chat UI failed to load: ' + String(e));
  function startUI() {
    if (uiStarted || !ui || k.destroyed) return;
    uiStarted = true;
    try {
      Promise.resolve(ui(widget)).catch(fail);
    } catch (e) {
      fail(e);
    }
  }

  function scheduleUI() {
    if (!ui) return;
    if (!win || !doc) return startUI();
    const idle = () =>
      win.requestIdleCallback
        ? win.requestIdleCallback(startUI, { timeout: 2000 })
        : setTimeout(startUI, 50);
    if (doc.readyState == 'complete') idle();
    else win.addEventListener('load', idle, { once: true });
  }

  // ---- boot: after the kernel, load the conversation, then run what was queued, in order ----
  // ---- other tabs of this visitor mirror the window, what was read and what was sent ----
  let tabs: BroadcastChannel | undefined;
  /** Acks of messages sent from another tab that arrived before that tab's copy did. */
  const tabAcks = new Map<string, { id: string; at: number }>();
  function share(d: TabSync) {
    try {
      // oxlint-disable-next-line unicorn/require-post-message-target-origin
      tabs?.postMessage(d);
    } catch {}
  }
  function onTab({ data: d }: MessageEvent<TabSync>) {
    if (typeof d != 'object' || !d) return;
    if (typeof d.open == 'boolean') {
      set(d.open ? { open: true, autoMessage: null, unread: 0 } : { open: false });
      if (d.open) startUI();
    }
    if (d.read) set({ unread: 0 });
    const m = d.m && parseMessage(d.m);
    // Shown as on its way; the server's ack (every tab gets it) marks it sent.
    if (m && typeof m != 'string' && m.cid && m.from == 'visitor') {
      const ack = tabAcks.get(m.cid);
      if (!k.state.messages.some((x) => x.cid == m.cid))
        upsert(
          ack ? { ...m, id: ack.id, at: ack.at, status: 'sent' } : { ...m, status: 'sending' },
        );
      if (k.state.autoMessage) set({ autoMessage: null });
    }
  }

  async function boot() {
    await k.booted;
    const BC = (win as (Window & typeof globalThis) | undefined)?.BroadcastChannel;
    try {
      if (BC) (tabs = new BC('visitor-chat:' + k.state.vid + ':chat')).onmessage = onTab;
    } catch {}
    const stored = await k.store.get('messages');
    const messages: ChatMessage[] = [];
    if (Array.isArray(stored))
      for (const raw of stored) {
        const m = parseMessage(raw);
        if (typeof m != 'string') messages.push(m);
      }
    const pendingIds = new Set((await outbox.load()).map((m) => m.cid));
    // Files a reload cut off upload again now, not when the window next opens (core/files.ts).
    if (((await k.store.get('uploads')) as unknown[] | undefined)?.length) void useFiles();
    for (const m of outbox.pending()) if (!messages.some((x) => x.cid == m.cid)) messages.push(m);
    if (k.destroyed) return;
    set({
      messages: messages.map((m) =>
        m.from == 'visitor' ? { ...m, status: pendingIds.has(m.cid) ? 'sending' : 'sent' } : m,
      ),
    });
    startRules();
    k.chat = { frame: onFrame };
    // Frames that arrived while the chat layer was loading, in order.
    for (const f of k.pending.splice(0)) onFrame(f);
    set({ ready: true });
    for (const fn of queue.splice(0)) fn();
    emitter.emit('ready', { vid: k.state.vid! });
    for (const fn of readyFns.splice(0)) fn(k.state);
    rules?.check();
    if (!onDemand) scheduleUI();
    else if (!uiStarted) onDemand(widget);
  }

  /** Runs `fn` now if ready, else after boot, in call order. */
  const whenReady = (fn: () => void) => (k.state.ready ? fn() : void queue.push(fn));

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
      return k.state;
    },
    subscribe(fn) {
      k.subscribers.add(fn);
      return () => k.subscribers.delete(fn);
    },
    on: (event, fn) => emitter.on(event, fn),
    off: (event, fn) => emitter.off(event, fn),
    run: (command: string, ...args: unknown[]) => run(command, args),
    exec(args) {
      try {
        const list = Array.prototype.slice.call(args);
        const fn = list[0];
        whenReady(() => {
          if (typeof fn == 'function') {
            try {
              fn();
            } catch (e) {
              warn('a ready callback threw: ' + String(e));
            }
          } else {
            const err = runNow(fn, list.slice(1));
            if (err) warn(err);
          }
        });
      } catch (e) {
        warn('bad command call: ' + String(e));
      }
    },
    ready: () =>
      new Promise((resolve) => (k.state.ready ? resolve(k.state) : readyFns.push(resolve))),
    open: () => run('chat:open', []),
    close: () => run('chat:close', []),
    send: (text) =>
      new Promise((resolve, reject) =>
        whenReady(() => {
          const t = typeof text == 'string' ? text.trim() : '';
          const m =
            !t || t.length > MAX_TEXT
              ? 'send needs a non-empty text of at most ' + MAX_TEXT + ' characters'
              : sendMessage(t);
          if (typeof m == 'string') reject(new Error('[visitor-chat] ' + m));
          else resolve(m);
        }),
      ),
    sendFile: (file) =>
      new Promise<Files>((r) => whenReady(() => r(useFiles()))).then((x) => x.send(file)),
    files: useFiles,
    async submitContactForm(fields) {
      const { consent, ...profile } = fields;
      if (config.privacyNoticeCheckRequired && consent !== true)
        throw new Error('[visitor-chat] the privacy notice must be accepted');
      await run('identify', [profile]);
      k.visitor = { ...k.visitor, customer: true };
      k.saveVisitor();
      set({});
      k.send({ t: 'id', ...k.visitor.profile, form: true });
    },
    pickQuickReply(messageId, value) {
      const m = k.state.messages.find((x) => x.id == messageId);
      const reply = m?.replies?.find((r) => r.value == value);
      return reply
        ? widget.send(reply.value)
        : Promise.reject(
            new Error('[visitor-chat] no quick reply "' + value + '" on that message'),
          );
    },
    retry(cid) {
      const m = k.state.messages.find((x) => x.cid == cid && x.status == 'failed');
      if (!m) return;
      upsert({ ...m, status: 'sending' });
      flushOutbox(true);
    },
    loadOlder() {
      const first = k.state.messages[0];
      if (!k.state.older || k.state.loadingOlder || !first || first.status == 'sending') return;
      if (k.send({ t: 'hist', before: first.id })) set({ loadingOlder: true });
    },
    markRead: () => whenReady(markRead),
    dismissAutoMessage: () => set({ autoMessage: null }),
    setDraft(text) {
      if (typeof text != 'string' || k.state.blocked) return;
      const typing = text.length > 0;
      if (typing != k.state.draft.length > 0) k.send({ t: 'typing', on: typing });
      set({ draft: text.slice(0, MAX_TEXT) });
    },
    destroy() {
      tabs?.close();
      rules?.stop();
      pages?.stop();
      if (ackTimer) clearTimeout(ackTimer);
      k.destroy();
    },
  };

  // Single-page-app navigations from now on (and one made while this layer was loading).
  const pages =
    win && doc
      ? createPageTracker({
          window: win,
          document: doc,
          initial: k.page,
          onPage(page) {
            k.page = page;
            k.pageStartedAt = now();
            k.send({ t: 'page', ...page });
            rules?.check();
          },
        })
      : undefined;

  boot().catch((e) => warn('failed to start: ' + String(e)));
  return widget;
}
