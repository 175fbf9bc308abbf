import { MAX_TEXT, isRecord, parseEventFrame, type Message, type ServerFrame } from '../protocol';
import { createActions } from './actions';
import { loadAutoMessages } from './auto-loader';
import { ruleWait } from './rule-wait';
import type { AutoMessages } from './auto-messages';
import { completeConfig } from './chat-config';
import { runCommand } from './commands';
import type { Delivery } from './delivery';
import { deriveState } from './derive';
import { createFiles, type Files } from './files';
import { createGate } from './gate';
import { afterLoadIdle } from './idle';
import { createWarn } from './log';
import { guardStore, guardTransport } from './npm-guards';
import type { KeyValueStore } from './storage';
import { isTransport } from './config';
import { createKernel, type Kernel } from './kernel';
import { LAYERS, type ChatLayers, type FilesModule } from './layers';
import { createPageTracker } from './pageviews';
import type { ChatMessage, WidgetState } from './state';
import { parseChatTabMessage, type ChatTabMessage, type TabMessage } from './tabs';
import { NPM_OPTIONS, warnUnknownKeys } from './smartsupp-keys';
import type { Widget, WidgetOptions } from './widget-types';

export type { Widget, WidgetOptions } from './widget-types';

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
  const given = isRecord(options) ? options : ({} as WidgetOptions);
  const warn = createWarn(given.logger === undefined ? globalThis.console : given.logger);
  if (given !== options)
    warn('createWidget needs an options object ({ key, transport, ... }); running offline');
  // A copy: what the page handed over stays as it was.
  const o: WidgetOptions = { ...given };
  if (o.now !== undefined && typeof o.now != 'function') {
    warn('option "now" must be a function returning ms; using Date.now');
    delete o.now;
  }
  if (typeof o.transport == 'object' && isTransport(o.transport))
    o.transport = guardTransport(o.transport, warn);
  const s = o.storage as Partial<KeyValueStore> | undefined;
  if (s !== undefined)
    if (s && typeof s.get == 'function' && typeof s.set == 'function' && typeof s.del == 'function')
      o.storage = guardStore(s as KeyValueStore, warn);
    else {
      warn('option "storage" must have get, set and del functions; using IndexedDB');
      delete o.storage;
    }
  const k = createKernel(o);
  const { win, doc } = k;
  // The UI after the page's `load`, on idle time (at once without a page).
  const onReady = (_: Widget, startUI: () => void) =>
    win && doc ? afterLoadIdle(win, startUI) : startUI();
  return installChat(
    k,
    o.ui,
    o.ui ? onReady : undefined,
    NPM_OPTIONS,
    () => Promise.resolve({ createFiles }),
    LAYERS,
  );
}

export {
  LAYERS,
  type ChatLayers,
  type ConversationModule,
  type FilesModule,
  type RulesModule,
} from './layers';

/** What a call on a destroyed widget gets. */
const destroyed = () => new Error('[visitor-chat] the widget was destroyed');

/**
 * Adds the chat layer (commands, state, tab mirroring, the UI hook) to a presence kernel; the
 * conversation and the auto messages come from `layers`, bundled in or loaded when needed. The
 * script-tag build loads it after the page's `load` event. `ui` runs once, when the chat opens
 * or a message or auto message arrives, or when `onReady` (called once ready, unless the UI has
 * started) calls `startUI`: createWidget does that on idle time after `load`; the script-tag
 * build draws the launcher shell instead.
 */
export function installChat(
  k: Kernel,
  ui?: WidgetOptions['ui'],
  onReady?: (widget: Widget, startUI: () => void) => void,
  /** Option keys the caller knows besides the config's (createWidget's npm options). */
  known?: readonly string[],
  /** Loads the file layer (core/files.ts) when it is first needed. */
  filesModule?: () => Promise<FilesModule>,
  /** The conversation and the auto messages (see {@link ChatLayers}). */
  layers?: ChatLayers,
): Widget {
  const { conversation, rules } = layers!;
  const { config, warn, emitter, win, doc } = k;
  warnUnknownKeys(completeConfig(k), warn, known);
  deriveState(k);
  // Said here rather than by the kernel, like the unknown keys: the text costs bytes before `load`.
  // No server at all is said too: a snippet pasted without one would sit offline in silence.
  if (typeof config.transport != 'object')
    warn(
      (config.transport || config.server
        ? 'pass a transport object (createWebSocketTransport, ...) to use a server'
        : 'no chat server set (_smartsupp.server, or widget.js?server=...)') + '; running offline',
    );
  const queue: Array<() => void> = [];
  /** The visitor typed since the draft was last kept on the device. */
  let typed = false;
  let draftTimer: ReturnType<typeof setTimeout> | undefined;
  const readyFns: Array<(s: WidgetState) => void> = [];
  /** Rejects a promise a call is waiting on (ready, a command), when destroy() comes first. */
  const waiting = new Set<(e: Error) => void>();
  let unmount: (() => void) | undefined;
  let auto: AutoMessages | undefined;
  let uiStarted = false;
  let files: Promise<Files> | undefined;
  const useFiles = () =>
    (files ||= Promise.all([filesModule!(), gate.load()]).then(([m, c]) =>
      m.createFiles(k, c.delivery.send),
    ));
  const set = k.set;
  set({
    open: false,
    agentTyping: false,
    messages: [],
    older: false,
    loadingOlder: false,
    unread: 0,
    draft: '',
    translations: {},
    theme: { color: config.color, gradient: false },
    autoMessage: null,
  });
  // `unread` fires on every change of the count, whoever changed it. The count is kept on the
  // device (`kept`: not written back when read) until the chat is opened.
  let unread = 0;
  let kept = 0;
  /** Connection problems said already (each once a page). */
  const said = new Set<string>();
  /** Says a connection problem once: in the console, and to the page's `error` listeners. */
  const report = (code: string, message: string) => {
    if (said.has(code)) return;
    said.add(code);
    warn(message);
    // Behind the commands the snippet queued (they wait for `ready`, and come in after this
    // layer installs): their `on('error', fn)` hear it.
    Promise.resolve().then(() => whenReady(() => emitter.emit('error', { code, message })));
  };
  k.subscribers.add((s) => {
    if (s.unread != unread) {
      emitter.emit('unread', (unread = s.unread));
      if (unread != kept) k.save('unread', (kept = unread));
      // Read: the stored auto messages go (core/delivery.ts keeps them only while unread).
      if (!unread) delivery()?.save();
    }
    // Never reached on this page: a server that is down, a wrong address, TLS or a proxy. The
    // transport keeps retrying with backoff.
    if (s.reached === false && typeof config.transport == 'object')
      report(
        'unreachable',
        'cannot reach the chat server' +
          (config.server ? ' at ' + config.server : '') +
          ': check that it runs and the address',
      );
    // A server that refuses for good (a wrong key, an origin it does not allow) is not retried.
    if (s.connection == 'stopped' && !s.blocked)
      report(
        'refused',
        'the chat server refused the connection for good (its log says why): check the key and its allowed origins',
      );
  });

  // ---- the conversation (delivery, outbox, message frames) loads when one starts ----
  // Frames, commands and tab messages queue behind it in one line while it loads (core/gate.ts).
  const gate = createGate(
    async () =>
      (typeof conversation == 'function' ? await conversation() : conversation!).startConversation(
        k,
        startUI,
      ),
    warn,
  );
  const delivery = (): Delivery | undefined => gate.get()?.delivery;
  const actions = createActions(k, {
    delivery,
    auto: () => auto,
    pages: () => pages,
    share,
    // Opening the chat starts loading the conversation, which the visitor is about to write in.
    startUI: () => (startUI(), void gate.load().catch(() => {})),
    sendFile: (f) => widget.sendFile(f),
  });

  /**
   * Validates a server frame and routes it: in chat.js what carries no messages; a frame with
   * messages (a `welcome` with a conversation, `ack`, `msg`, `hist`) waits for the conversation.
   */
  function onFrame(raw: Record<string, unknown>) {
    const e = parseEventFrame(raw);
    if (typeof e == 'string') return warn('ignored a server frame: ' + e);
    if (e?.t == 'welcome' && raw.maxFile !== e.maxFile)
      warn('ignored welcome.maxFile: it must be a positive integer');
    const go = (c = gate.get()) => {
      const f = c ? c.parse(raw, e) : e!;
      if (typeof f == 'string') warn('ignored a server frame: ' + f);
      else handle(f);
    };
    // A welcome's empty list changes nothing while no conversation is loaded (none is shown).
    const list = raw.messages;
    if (!e || (list !== undefined && !(Array.isArray(list) && !list.length))) gate.need(go);
    else gate.after(go);
  }

  function handle(f: ServerFrame) {
    const d = delivery();
    if (f.t == 'welcome') {
      d?.welcome(f);
      // Rules after the conversation: "never while a conversation is open" needs the server's.
      auto?.welcome(f.rules);
      k.maxFile = f.maxFile;
      auto?.check();
    } else if (d?.frame(f)) return;
    else if (f.t == 'rules') auto?.setRules(f.rules);
    else if (f.t == 'typing') set({ agentTyping: f.on });
    else if (f.t == 'closed') void useFiles().then((x) => x.closed());
    else if (f.t == 'status') set({ agentsOnline: f.online });
    else if (f.t == 'err') emitter.emit('error', { code: f.code, message: f.message || f.code });
  }

  // ---- the UI loads late: after `load`, on idle, unless something needs it sooner ----
  const fail = (e: unknown) => warn('the chat UI failed to load: ' + String(e));
  function startUI() {
    if (uiStarted || !ui || k.destroyed) return;
    uiStarted = true;
    try {
      // What it resolves to, when a function (mount's), takes the UI off the page on destroy().
      Promise.resolve(ui(widget))
        .then((off) => {
          if (typeof off != 'function') return;
          if (k.destroyed) off();
          else unmount = off as () => void;
        })
        .catch(fail);
    } catch (e) {
      fail(e);
    }
  }

  // ---- other tabs of this visitor mirror the window, what was read and what was sent ----
  // On the kernel's tab channel: in order with the relayed server frames (core/tabs.ts).
  function share(d: TabMessage) {
    k.tabs?.post(d);
  }
  function onTab(d: ChatTabMessage) {
    if (d.t == 'm') return gate.need((c) => c.delivery.mirror(d.m));
    gate.after(() => {
      if (d.t == 'w') {
        set(d.open ? { open: true, autoMessage: null, unread: 0 } : { open: false });
        if (d.open) startUI();
      } else set({ unread: 0 });
    });
  }

  // The draft, kept when the page is hidden or goes (boot adds, destroy removes the listeners).
  const keepDraft = () => {
    if (typed) k.save('draft', k.state.draft);
    typed = false;
  };
  const listenDraft = (how: 'add' | 'remove') => {
    for (const e of ['pagehide', 'visibilitychange']) win?.[`${how}EventListener`](e, keepDraft);
  };

  // ---- boot: after the kernel, load the conversation, then run what was queued, in order ----
  async function boot() {
    await k.booted;
    k.tabs?.on(parseChatTabMessage, onTab);
    const stored = async (key: string) =>
      ((await k.store.get(key)) as unknown[] | undefined)?.length;
    // A conversation on the device (or messages an earlier page left unsent) loads it now.
    // A failure is warned about (core/gate.ts) and the next need loads again: boot goes on.
    if (
      typeof conversation != 'function' ||
      (await stored('messages')) ||
      (await stored('outbox'))
    ) {
      await gate.load().catch(() => {});
      // The unread count goes with a stored conversation; stored data is outside input.
      const n = (await k.store.get('unread')) as number;
      if (Number.isInteger(n) && n > 0) set({ unread: (kept = n) });
    }
    // What the visitor was writing on the last page; stored data is outside input. Kept when
    // this page is hidden or goes, if it wrote anything (not once per keystroke; a tab where
    // nothing was typed does not empty another's draft).
    if (!k.destroyed) listenDraft('add');
    const draft = await k.store.get('draft');
    if (typeof draft == 'string') set({ draft: draft.slice(0, MAX_TEXT) });
    if (k.destroyed) return;
    // Files a reload cut off upload again now, not when the window next opens (core/files.ts).
    if (await stored('uploads')) void useFiles();
    const c = {
      hasConversation: () => !!delivery()?.hasConversation(),
      // Kept on the device at once, like the unread count it adds to (a reload keeps both).
      upsert: (m: ChatMessage) =>
        gate.need((x) => {
          x.delivery.upsert(m);
          // After the auto message's unread count is set (core/delivery.ts keeps it while unread).
          void Promise.resolve().then(x.delivery.save);
        }),
    };
    // Smartsupp's `triggerable: false`: no auto messages on this page.
    if (config.triggerable)
      auto =
        typeof rules == 'function'
          ? loadAutoMessages(
              async () => (await rules()).createAutoMessages(k, c, startUI),
              config.rules,
              warn,
              (r) =>
                ruleWait(
                  r,
                  k.pageStartedAt,
                  k.identity?.visitStartedAt || k.pageStartedAt,
                  k.now(),
                ),
            )
          : rules.createAutoMessages(k, c, startUI);
    // Frames that arrived while the chat layer was loading, in order.
    for (const f of k.attachChat(onFrame)) onFrame(f);
    set({ ready: true });
    for (const fn of queue.splice(0)) fn();
    emitter.emit('ready', { vid: k.state.vid! });
    for (const fn of readyFns.splice(0)) fn(k.state);
    auto?.check();
    if (!uiStarted) onReady?.(widget, startUI);
  }

  /** Runs `fn` now if ready, else after boot, in call order. */
  const whenReady = (fn: () => void) => (k.state.ready ? fn() : void queue.push(fn));

  /**
   * Runs a command in line with the frames (after what waits for the conversation); `chat:send`
   * loads the conversation first. `done` gets what its action returned, or why it failed.
   */
  function runNow(name: unknown, args: unknown[], done: (r: Message | string | void) => void) {
    const go = () => {
      try {
        done(runCommand(actions, name, args));
      } catch (e) {
        done('command "' + String(name) + '" failed: ' + String(e));
      }
    };
    // Strict: a page's object for a name must not run its toString here (it may throw).
    if (name === 'chat:send') gate.need(go);
    // A listener is added at once: one queued behind a `chat:send` still hears `ready`.
    else if (name === 'on') go();
    else gate.after(go);
  }

  /** Runs a command once ready; resolves with what its action returned (`chat:send`: the message). */
  const run = <T = void>(name: unknown, args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      if (k.destroyed) return reject(destroyed());
      waiting.add(reject);
      whenReady(() =>
        runNow(name, args, (r) => {
          waiting.delete(reject);
          if (typeof r == 'string') reject(new Error('[visitor-chat] ' + r));
          else resolve(r as T);
        }),
      );
    });

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
          if (typeof fn == 'function')
            gate.after(() => {
              try {
                fn();
              } catch (e) {
                warn('a ready callback threw: ' + String(e));
              }
            });
          else runNow(fn, list.slice(1), (err) => typeof err == 'string' && warn(err));
        });
      } catch (e) {
        warn('bad command call: ' + String(e));
      }
    },
    ready: () =>
      new Promise((resolve, reject) => {
        if (k.destroyed) return reject(destroyed());
        if (k.state.ready) return resolve(k.state);
        waiting.add(reject);
        readyFns.push((s) => (waiting.delete(reject), resolve(s)));
      }),
    open: () => run('chat:open', []),
    close: () => run('chat:close', []),
    // The command validator's checks, so `send` and `chat:send` accept the same texts.
    send: (text) => run<Message>('chat:send', [text]),
    sendFile: (file) =>
      k.destroyed
        ? Promise.reject(destroyed())
        : new Promise<Files>((r) => whenReady(() => r(useFiles()))).then((x) => x.send(file)),
    files: useFiles,
    async submitContactForm(fields) {
      const { consent, ...profile } = fields;
      if (config.privacyNoticeCheckRequired && consent !== true)
        throw new Error('[visitor-chat] the privacy notice must be accepted');
      await run('identify', [profile]);
      k.updateVisitor({ customer: true });
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
    // Nothing failed and nothing older is known before the conversation has loaded.
    retry: (cid) => gate.after(() => delivery()?.retry(cid)),
    loadOlder: () => gate.after(() => delivery()?.loadOlder()),
    markRead: () => whenReady(actions.markRead),
    dismissAutoMessage: () => set({ autoMessage: null }),
    setDraft(text) {
      if (typeof text != 'string' || k.state.blocked) return;
      const typing = text.length > 0;
      if (typing != k.state.draft.length > 0) k.send({ t: 'typing', on: typing });
      set({ draft: text.slice(0, MAX_TEXT) });
      typed = true;
      // Also once typing pauses: a write as the page goes may not finish (a reload lost it).
      clearTimeout(draftTimer);
      draftTimer = setTimeout(keepDraft, 1000);
    },
    destroy() {
      clearTimeout(draftTimer);
      listenDraft('remove');
      auto?.stop();
      pages?.stop();
      delivery()?.stop();
      k.destroy();
      unmount?.();
      unmount = undefined;
      for (const reject of waiting) reject(destroyed());
      waiting.clear();
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
            k.setPage(page);
            k.send({ t: 'page', ...page });
            auto?.check();
          },
        })
      : undefined;

  boot().catch((e) => warn('failed to start: ' + String(e)));
  return widget;
}
