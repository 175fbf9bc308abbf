import {
  HISTORY_PAGE,
  PROTOCOL_VERSION,
  WELCOME_MESSAGES,
  type Attachment,
  type ClientFrame,
  type Message,
  type QuickReply,
  type ServerFrame,
} from '../protocol';
import type { ConnectionStatus, Transport, TransportListener } from './types';

/** The scriptable server side of an in-memory transport. */
export interface MemoryServer {
  /** Every frame the client sent, in order (a deep copy, as it would cross the wire). */
  readonly received: ClientFrame[];
  /** The conversation as the server stores it: visitor messages appear once per client id. */
  readonly messages: Message[];
  /** Called after the built-in handling of each client frame. Returns an unsubscribe function. */
  onFrame(fn: (frame: ClientFrame) => void): () => void;
  /** Sends a frame to the client (anything: tests use this to send invalid frames too). */
  push(frame: ServerFrame | unknown): void;
  /** Sends an agent (or bot/system) message and stores it in the conversation. */
  say(
    text: string,
    options?: { from?: 'agent' | 'bot' | 'system'; name?: string; replies?: QuickReply[] },
  ): Message;
  /** Drops the connection; the client sees `closed` until `connect()`. */
  disconnect(): void;
  /** Accepts the client again (after `disconnect()`); the client sees `open` and says hello. */
  connect(): void;
  /** Ends the connection for good, as a server does with a "do not reconnect" close code. */
  stop(): void;
  block(): void;
  unblock(): void;
  /** Agents online, sent in `welcome` and as `status` frames when changed. */
  setOnline(online: boolean): void;
  /** Files the server holds, by id: a visitor message's `attachments: [{id}]` resolve here. */
  readonly files: Map<string, Attachment>;
  /** An agent closes the conversation: the widget hears `closed` (and asks for a rating). */
  closeConversation(): void;
  /** Built-in behaviour, changeable at any time. */
  options: MemoryServerOptions;
}

export interface MemoryServerOptions {
  /** Answer `hello` with `welcome` (default true). */
  welcome: boolean;
  /** Acknowledge visitor messages (default true); turn off to simulate lost acks. */
  ack: boolean;
  /** Auto-message rules sent in `welcome`. */
  rules?: unknown[];
  /** The largest file the site's server takes, in bytes, sent as `welcome.maxFile`. */
  maxFile?: number;
}

/** A transport whose server lives in the same page: for tests, the demo and offline playgrounds. */
export interface MemoryTransport extends Transport {
  server: MemoryServer;
}

/**
 * Creates an in-process client/server pair. Frames cross as JSON, asynchronously (a microtask,
 * or `latencyMs` through `setTimeout`), so ordering and validation behave as on a real wire.
 *
 * @example
 * const transport = createMemoryTransport();
 * transport.server.onFrame((f) => f.t === 'msg' && transport.server.say('Hello!'));
 * createWidget({ key: 'demo', transport });
 */
export function createMemoryTransport(
  options: { latencyMs?: number; server?: Partial<MemoryServerOptions> } = {},
): MemoryTransport {
  const latency = options.latencyMs || 0;
  let listener: TransportListener | undefined;
  let status: ConnectionStatus = 'closed';
  let online = true;
  let blocked = false;
  let seq = 0;
  let vid = '';
  const received: ClientFrame[] = [];
  const messages: Message[] = [];
  const hooks: Array<(frame: ClientFrame) => void> = [];
  const files = new Map<string, Attachment>();

  const later = (fn: () => void) =>
    latency ? setTimeout(fn, latency) : void Promise.resolve().then(fn);
  const setStatus = (s: ConnectionStatus) => {
    status = s;
    later(() => listener?.status(s));
  };
  const deliver = (frame: unknown) => {
    if (status != 'open') return;
    const wire = JSON.stringify(frame);
    later(() => status == 'open' && listener?.frame(wire));
  };
  const store = (m: Message) => {
    messages.push(m);
    return m;
  };

  function handle(frame: ClientFrame) {
    if (frame.t == 'hello') {
      // One visitor per memory server: a new id (logout) starts a new conversation.
      if (vid && vid != frame.vid) messages.length = 0;
      vid = frame.vid;
      if (server.options.welcome)
        deliver({
          t: 'welcome',
          v: PROTOCOL_VERSION,
          vid,
          token: 'memory-' + vid,
          blocked,
          online,
          messages: messages.slice(-WELCOME_MESSAGES),
          more: messages.length > WELCOME_MESSAGES,
          rules: server.options.rules,
          maxFile: server.options.maxFile,
        });
    } else if (frame.t == 'hist') {
      const end = messages.findIndex((m) => m.id == frame.before);
      const from = Math.max(0, end - (frame.limit || HISTORY_PAGE));
      deliver({
        t: 'hist',
        before: frame.before,
        messages: end > 0 ? messages.slice(from, end) : [],
        more: end > 0 && from > 0,
      });
    } else if (frame.t == 'msg') {
      if (blocked) return deliver({ t: 'err', code: 'blocked' });
      let m = messages.find((x) => x.cid == frame.cid);
      if (!m) {
        m = store({
          id: 's' + ++seq,
          cid: frame.cid,
          from: 'visitor',
          text: frame.text,
          at: Date.now(),
        });
        const list = frame.attachments?.flatMap((a) => files.get(a.id) || []);
        if (list?.length) m.attachments = list;
      }
      if (server.options.ack) deliver({ t: 'ack', cid: frame.cid, id: m.id, at: m.at });
    }
  }

  const server: MemoryServer = {
    received,
    messages,
    options: { welcome: true, ack: true, ...options.server },
    onFrame(fn) {
      hooks.push(fn);
      return () => hooks.splice(hooks.indexOf(fn) >>> 0, 1);
    },
    push: deliver,
    say(text, o = {}) {
      const m = store({ id: 's' + ++seq, from: o.from || 'agent', text, at: Date.now() });
      if (o.name) m.name = o.name;
      if (o.replies) m.replies = o.replies;
      deliver({ t: 'msg', m });
      return m;
    },
    disconnect() {
      if (status == 'open') setStatus('closed');
    },
    connect() {
      if (listener && status == 'closed') setStatus('open');
    },
    stop() {
      setStatus('stopped');
    },
    block() {
      blocked = true;
      deliver({ t: 'blocked' });
    },
    unblock() {
      blocked = false;
      deliver({ t: 'unblocked' });
    },
    setOnline(value) {
      online = value;
      deliver({ t: 'status', online });
    },
    files,
    closeConversation: () => deliver({ t: 'closed' }),
  };

  return {
    server,
    open(l) {
      listener = l;
      later(() => l.status('connecting'));
      setStatus('open');
    },
    send(frame) {
      if (status != 'open') return false;
      const copy = JSON.parse(JSON.stringify(frame)) as ClientFrame;
      later(() => {
        // A frame still in flight when the connection drops is lost, as on a real wire.
        if (status != 'open') return;
        received.push(copy);
        handle(copy);
        for (const fn of hooks.slice()) fn(copy);
      });
      return true;
    },
    close() {
      status = 'stopped';
      listener = undefined;
    },
  };
}
