import { isNum, isRecord, type ClientFrame } from '../protocol';
import type { ConnectionStatus, Transport, TransportListener } from '../transport/types';

/**
 * What the tabs of one visitor say to each other, all on one BroadcastChannel. One channel, not
 * one per concern: it delivers in order to each tab, so every tab hears of a message another tab
 * sent (`m`) before the server's ack of it, which the leader relays (`f`) only after the sending
 * tab asked it to send the message (`o`), or after sending it itself.
 */
export type TabMessage = RelayMessage | ChatTabMessage;

/** What the connection relay (shareTransport) says. */
export type RelayMessage =
  /** The leader's connection status. */
  | { t: 's'; s: ConnectionStatus }
  /** A frame from the server, as the leader's transport got it (the kernel validates it). */
  | { t: 'f'; f: unknown }
  /** A frame for the server, to the leader; `x`: final (the page is being hidden). */
  | { t: 'o'; o: ClientFrame; x?: boolean }
  /** A new tab asks the leader for its status. */
  | { t: 'q' };

/** What the chat layer mirrors (core/widget.ts). */
export type ChatTabMessage =
  /** The chat window opened or closed. */
  | { t: 'w'; open: boolean }
  /** Every message was read. */
  | { t: 'r' }
  /** A message the visitor sent in the posting tab (the chat layer validates it: parseMessage). */
  | { t: 'm'; m: unknown };

const STATUSES: unknown[] = ['connecting', 'open', 'closed', 'stopped'];

/*
 * Any script of the origin can post to the channel's name (so can another version of this
 * widget during a deploy): each reader checks what it reads, and drops the rest without a word.
 * What the receivers validate themselves (`f`, `m`, a relayed frame's fields the server checks)
 * is only checked for its envelope here.
 */

/** A relay message from another tab, or undefined. */
export function parseRelayMessage(d: Record<string, unknown>): RelayMessage | undefined {
  const { t, o } = d;
  if (
    t == 'q' ||
    (t == 'f' && 'f' in d) ||
    (t == 's' && STATUSES.includes(d.s)) ||
    (t == 'o' &&
      isRecord(o) &&
      typeof o.t == 'string' &&
      (o.t != 'hb' || isNum(o.activeAt)) &&
      (d.x === undefined || typeof d.x == 'boolean'))
  )
    return d as RelayMessage;
}

/** A chat layer message from another tab, or undefined. */
export function parseChatTabMessage(d: Record<string, unknown>): ChatTabMessage | undefined {
  const t = d.t;
  if (t == 'r' || (t == 'm' && 'm' in d) || (t == 'w' && typeof d.open == 'boolean'))
    return d as ChatTabMessage;
}

/** The visitor's tab channel: the connection relay and the chat layer's mirror share it. */
export interface TabChannel {
  /** Tells the other tabs (nothing while closed). */
  post(m: TabMessage): void;
  /**
   * Calls `fn`, in order, with each message from another tab that `parse` reads as one
   * (parseRelayMessage, parseChatTabMessage).
   */
  on<T>(parse: (d: Record<string, unknown>) => T | undefined, fn: (m: T) => void): void;
  /** Opens the channel (again, after `close`); the listeners stay. */
  open(): void;
  /** Stops hearing and telling until the next `open` (the back/forward cache, destroy). */
  close(): void;
}

/**
 * The tab channel `name` on `win`, closed until `open`; undefined where BroadcastChannel is
 * missing (every tab then keeps to itself).
 */
export function createTabChannel(win: Window | undefined, name: string): TabChannel | undefined {
  const BC = (win as (Window & typeof globalThis) | undefined)?.BroadcastChannel;
  if (!BC) return;
  const readers: Array<(d: Record<string, unknown>) => void> = [];
  let channel: BroadcastChannel | undefined;
  return {
    post(m) {
      try {
        // A BroadcastChannel has no target origin: it only ever reaches this origin.
        // oxlint-disable-next-line unicorn/require-post-message-target-origin
        channel?.postMessage(m);
      } catch {
        // A frame a custom transport made uncloneable: the other tabs miss it, the page nothing.
      }
    },
    on: (parse, fn) =>
      void readers.push((d) => {
        const m = parse(d);
        if (m) fn(m);
      }),
    open() {
      (channel ||= new BC(name)).onmessage = ({ data }) => {
        if (isRecord(data))
          for (const read of readers)
            try {
              read(data);
            } catch {
              // What another tab posted must never throw into the page, nor stop the next reader.
            }
      };
    },
    close() {
      channel?.close();
      channel = undefined;
    },
  };
}

/**
 * One connection per visitor however many tabs are open. The tab holding the Web Lock `name`
 * leads: it opens the real transport, posts every status and server frame to the others on the
 * tab channel (`tabs`, by default one of the same name), and sends what they relay to it. The
 * others queue for the lock, so when the leader closes (or crashes, or enters the back/forward
 * cache) the next one takes over and connects at once. Heartbeats of the other tabs are not
 * forwarded: they feed the leader's activity (`onActivity`), so the server gets one heartbeat
 * stream.
 *
 * Where Web Locks or BroadcastChannel are missing (old browsers, insecure origins), or `win` is
 * not given, every tab keeps its own connection: `inner` is returned as it is.
 */
export function shareTransport(
  inner: Transport,
  name: string,
  win: Window | undefined,
  onActivity: (at: number) => void,
  tabs = createTabChannel(win, name),
): Transport {
  const locks = win?.navigator.locks;
  if (!locks || !tabs) return inner;
  let listener: TransportListener | undefined;
  let lead = false;
  let status: ConnectionStatus = 'connecting';
  let release: (() => void) | undefined;
  /** Counts opens and resignations: a lock granted to an earlier open is handed back. */
  let turn = 0;
  const post = tabs.post;
  // Until another tab speaks (each asks as it opens), a post would reach no one.
  let heard: unknown;
  // A tab may hear the same status twice (its question answered, then the leader's own news).
  const report = (s: ConnectionStatus) => s != status && listener?.status((status = s));
  /**
   * What the leader's real transport reports to: this tab, then every other one. Alone, it posts
   * nothing: a tab that opens later asks (`q`) and is answered with the status.
   */
  const relay: TransportListener = {
    status(s) {
      if (heard) post({ t: 's', s });
      report(s);
    },
    frame(f) {
      if (heard) post({ t: 'f', f });
      listener?.frame(f);
    },
  };

  tabs.on(parseRelayMessage, (d) => {
    heard = 1;
    if (!listener) return;
    if (lead) {
      if (d.t == 'q') post({ t: 's', s: status });
      if (d.t == 'o') {
        if (d.o.t == 'hb') onActivity(d.o.activeAt);
        else inner.send(d.o, d.x);
      }
    } else if (d.t == 's') report(d.s);
    else if (d.t == 'f') listener.frame(d.f);
  });

  function resign() {
    listener = undefined;
    turn++;
    tabs!.close();
    if (lead) inner.close();
    lead = false;
    release?.();
  }

  // Entering the back/forward cache: let another tab lead; the `pageshow` restore reopens us.
  const hide = (e: PageTransitionEvent) => {
    if (e.persisted && listener) {
      report('closed');
      resign();
    }
  };

  return {
    open(l) {
      if (listener) return lead && inner.open(relay);
      listener = l;
      win.addEventListener('pagehide', hide);
      status = 'connecting';
      const me = ++turn;
      tabs!.open();
      const take = () =>
        new Promise<void>((r) => {
          if (turn != me) return r();
          release = r;
          lead = true;
          inner.open(relay);
        });
      // No lock manager here after all (an opaque origin): this tab connects on its own.
      const alone = () => turn == me && ((lead = true), inner.open(relay));
      // Free: this tab leads and asks no one (the first post into a channel costs a page ~1.5
      // ms). Held: another tab leads; ask it for its status (it learns we are here), and queue.
      // No prototype: a polluted Object.prototype.steal or .mode must not reach the lock manager.
      locks
        .request(name, { __proto__: null, ifAvailable: true } as LockOptions, (lock) => {
          if (lock) return take();
          if (turn == me) {
            post({ t: 'q' });
            locks.request(name, take).catch(alone);
          }
        })
        .catch(alone);
    },
    send(f, final) {
      if (lead) return inner.send(f, final);
      if (status != 'open') return false;
      post({ t: 'o', o: f, x: final });
      return true;
    },
    close() {
      resign();
      win.removeEventListener('pagehide', hide);
    },
  };
}
