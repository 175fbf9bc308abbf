import { parseMessage, type Message, type ServerFrame, type WelcomeFrame } from '../protocol';
import type { Kernel } from './kernel';
import { createOutbox, type Outbox } from './outbox';
import type { ChatMessage, WidgetState } from './state';

/** What the delivery state machine uses of the kernel (a fake one in its tests). */
export type DeliveryKernel = Pick<
  Kernel,
  | 'state'
  | 'set'
  | 'save'
  | 'store'
  | 'send'
  | 'welcomed'
  | 'warn'
  | 'now'
  | 'newId'
  | 'emitter'
  | 'doc'
  | 'win'
  | 'destroyed'
  | 'identity'
>;

/** What the delivery state machine calls back into the chat layer for. */
export interface DeliveryHooks {
  /** Tells the visitor's other tabs about a message this tab sent. */
  share(m: Message): void;
  /** A message arrived that the visitor should see: load the UI now. */
  startUI(): void;
  /** Runs an outbox save alone among the tabs (a Web Lock). */
  exclusive?: (save: () => Promise<void>) => Promise<void>;
}

/**
 * The conversation and its delivery: the message list, the outbox of visitor messages and their
 * acks, the `welcome` merge, history pages and messages mirrored from other tabs.
 */
export interface Delivery {
  readonly outbox: Outbox;
  /** Loads the stored conversation and what an earlier page left unsent. */
  load(): Promise<void>;
  /**
   * Accepts a visitor message (already validated) into the outbox; a string says why not.
   * `extra`: its client id and attachments, for a file the file layer uploaded (core/files.ts).
   */
  send(text: string, extra?: Partial<Message>): Message | string;
  /** Merges a `welcome`'s messages (the server's newest) with what is shown and unsent. */
  welcome(f: WelcomeFrame): void;
  /** Applies an `ack`, `msg` or `hist` frame; false for a frame it does not handle. */
  frame(f: ServerFrame): boolean;
  /** Sends the oldest unacknowledged message; `again` resends the one in flight. */
  flush(again?: boolean): void;
  /** Resends a failed visitor message. */
  retry(cid: string): void;
  /** Asks for the page of messages before the oldest one shown. */
  loadOlder(): void;
  /** A message another tab of this visitor sent (unvalidated: it came over a channel). */
  mirror(raw: unknown): void;
  /** Inserts or updates a message in order; true when it was new. */
  upsert(m: ChatMessage): boolean;
  /** A conversation is open when the visitor or an agent wrote (besides `exceptId`). */
  hasConversation(exceptId?: string): boolean;
  /** Writes the newest messages to the device now (live changes write them at most once a second). */
  save(): void;
  stop(): void;
}

/** How long a sent visitor message waits for its ack before it shows as failed (and is resent). */
const ACK_TIMEOUT = 15000;
/** Messages kept on the device to show the conversation right away after a reload. */
const KEEP_MESSAGES = 100;
// The stored conversation is a cache (the welcome brings the newest messages; unsent ones are
// in the outbox, written at once): written at most once a second, not per live message.
const SAVE_LAG = 1000;
/** Why a blocked visitor cannot send. */
export const BLOCKED = 'you were blocked by the site; chat is unavailable';

/**
 * Where a message sorts: the server's order (an ack brings the server's time); messages it has
 * not stored yet go last, in send order: their `at` is the device's clock, and with one in
 * flight at a time the server stores them after everything it has.
 */
const order = (m: ChatMessage) => (m.status == 'sending' || m.status == 'failed' ? 9e15 : m.at);
const sent = (m: ChatMessage): ChatMessage =>
  m.from == 'visitor' ? { ...m, status: 'sent' as const } : m;

/** Creates the delivery state machine on a kernel. */
export function createDelivery(k: DeliveryKernel, hooks: DeliveryHooks): Delivery {
  const { share, startUI, exclusive } = hooks;
  const outbox = createOutbox(() => k.store, k.warn, exclusive);
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** Client id of the visitor message sent and not yet acknowledged. */
  let inflight: string | undefined;
  const set = (patch: Partial<WidgetState>) => k.set(patch);
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    const kept = k.state.messages.slice(-KEEP_MESSAGES);
    const read = kept.length - k.state.unread;
    // Auto messages live on the device only while unread (the last `unread` messages): once the
    // chat has been opened, the next page does not show them again or load this layer for them.
    k.save(
      'messages',
      kept.filter((m, i) => m.from != 'trigger' || i >= read),
    );
  };
  const later = () => void (saveTimer ||= setTimeout(save, SAVE_LAG));
  // At once when the page is hidden or goes: it may never run a timer again.
  const now = () => saveTimer && save();
  const events = ['pagehide', 'visibilitychange'];
  for (const e of events) k.win?.addEventListener(e, now);

  /**
   * The ids and client ids in `known` (the list written last), and old ids: a message in none of
   * them is new without a walk of a long chat (0.3 ms at 10,000). Another list is read again.
   */
  let known: ChatMessage[] | undefined;
  let ids = new Set<string | undefined>();

  function upsert(m: ChatMessage): boolean {
    const list = k.state.messages;
    if (list !== known) ids = new Set(list.flatMap((x) => [x.id, x.cid]));
    const i =
      ids.has(m.id) || (m.cid !== undefined && ids.has(m.cid))
        ? list.findIndex((x) => x.id == m.id || (m.cid !== undefined && x.cid == m.cid))
        : -1;
    ids.add(m.id).add(m.cid);
    // One copy (a push onto a slice copies it again).
    const copy = (known = i >= 0 ? list.slice() : list.concat([m]));
    const last = list[list.length - 1];
    if (i >= 0) copy[i] = { ...list[i], ...m };
    // A new message after the last one (the usual live case) needs no sort of a long list.
    set({
      messages:
        i < 0 && (!last || order(last) <= order(m))
          ? copy
          : copy.sort((a, b) => order(a) - order(b)),
    });
    return i < 0;
  }

  const markFailed = (only: Set<unknown>) =>
    set({
      messages: k.state.messages.map((m) =>
        m.status == 'sending' && only.has(m.cid) ? { ...m, status: 'failed' } : m,
      ),
    });

  /**
   * One in flight at a time keeps the server's order (it stores in receipt order, de-duplicating
   * by `cid`) the send order whatever the transport does to frames. `again` resends the one in
   * flight: after a `welcome` (a new connection), an unblock, a retry, or when its ack is late.
   */
  function flush(again?: boolean) {
    const m = outbox.pending()[0];
    if (!m || !k.welcomed || k.state.blocked || (m.cid == inflight && !again)) return;
    const a = m.attachments?.map(({ id }) => ({ id }));
    if (!k.send({ t: 'msg', cid: m.cid!, text: m.text, at: m.at, attachments: a })) return;
    inflight = m.cid;
    clearTimeout(ackTimer);
    ackTimer = setTimeout(() => {
      // No ack in time: show what waits as failed (the UI offers retry), and resend anyway.
      markFailed(new Set(outbox.pending().map((x) => x.cid)));
      flush(true);
    }, ACK_TIMEOUT);
  }

  /** Shows another tab's message as on its way. */
  const adopt = (m: Message) =>
    k.state.messages.some((x) => x.cid == m.cid) || upsert({ ...m, status: 'sending' });

  const hasConversation = (exceptId?: string) =>
    k.state.messages.some((m) => m.id != exceptId && (m.from == 'visitor' || m.from == 'agent'));

  function received(m: Message) {
    if (m.from == 'visitor') {
      // An echo of our own message (from this or another tab): it counts as an ack.
      if (m.cid) outbox.ack(m.cid);
      upsert({ ...m, status: 'sent' });
      flush();
    } else if (upsert(m)) arrived([m], hasConversation(m.id));
    later();
  }

  /**
   * Agent, bot or system messages the visitor has not seen: the unread count, the preview of a
   * conversation's first message while the window is closed, the UI and `message_received`.
   * `had`: a conversation was shown before them.
   */
  function arrived(list: Message[], had: boolean) {
    const m = list[list.length - 1];
    const patch: Partial<WidgetState> = { agentTyping: false };
    if (!k.state.open || k.doc?.visibilityState == 'hidden')
      patch.unread = k.state.unread + list.length;
    if (!k.state.open && !had)
      patch.autoMessage = { rule: m.id, text: m.text, name: m.name, replies: m.replies };
    set(patch);
    startUI();
    for (const x of list) k.emitter.emit('message_received', x);
  }

  return {
    outbox,
    upsert,
    hasConversation,
    save,
    flush,
    async load() {
      const stored = await k.store.get('messages');
      const messages: ChatMessage[] = [];
      if (Array.isArray(stored))
        for (const raw of stored) {
          const m = parseMessage(raw);
          if (typeof m != 'string') messages.push(m);
        }
      const pendingIds = new Set((await outbox.load()).map((m) => m.cid));
      for (const m of outbox.pending()) if (!messages.some((x) => x.cid == m.cid)) messages.push(m);
      if (k.destroyed) return;
      set({
        messages: messages.map((m) =>
          m.from == 'visitor' ? { ...m, status: pendingIds.has(m.cid) ? 'sending' : 'sent' } : m,
        ),
      });
    },
    send(text, extra) {
      if (k.state.blocked) return BLOCKED;
      const cid = k.newId();
      const m: Message = { id: cid, cid, from: 'visitor', text, at: k.now(), ...extra };
      outbox.add(m);
      upsert({ ...m, status: 'sending' });
      later();
      if (k.state.autoMessage) set({ autoMessage: null });
      share(m);
      k.emitter.emit('message_sent', m);
      flush();
      return m;
    },
    welcome(f) {
      // What other tabs (or a closed one) left unsent goes out with this tab's, oldest first: the
      // first send waits for the stored outbox, else this tab's own newer message would go first.
      void outbox.load().then((list) => k.destroyed || (list.map(adopt), flush(true)));
      if (!f.messages) {
        if (k.state.loadingOlder) set({ loadingOlder: false });
        return;
      }
      // The server's newest messages replace ours from the first of them on; older ones already
      // shown stay when the server says it has older ones (a reconnect in a long chat keeps what
      // was scrolled back to); unsent messages stay on top.
      const known = new Set(f.messages.map((m) => m.cid).filter(Boolean));
      for (const m of f.messages) if (m.cid) outbox.ack(m.cid);
      const shown = k.state.messages;
      // What agents wrote while this device was not connected (between two pages, while the
      // connection was down, while the visitor was away) comes here, not live: it counts as
      // arrived. New is what is newer than the newest message the device has from the server
      // (server times); on a device with none, what was written since it first saw this visitor
      // id (its clock): history from before, seen on another sub-domain or never here, is not.
      let since = k.identity ? k.identity.firstSeenAt : Infinity;
      const ids = new Set<string>();
      for (const m of shown)
        if (m.from != 'trigger' && m.status != 'sending' && m.status != 'failed') {
          if (!ids.size) since = 0;
          ids.add(m.id);
          if (m.at > since) since = m.at;
        }
      const fresh = f.messages.filter((m) => m.from != 'visitor' && m.at > since && !ids.has(m.id));
      const had = hasConversation();
      const from =
        f.more && f.messages.length ? shown.findIndex((m) => m.id == f.messages![0].id) : -1;
      set({
        messages: shown.slice(0, Math.max(0, from)).concat(
          // Auto messages live on the device only: kept while the server has no conversation.
          f.messages.length ? [] : shown.filter((m) => m.from == 'trigger'),
          (f.messages as ChatMessage[]).map(sent),
          // Unsent: this tab's and other tabs'.
          shown
            .filter((m) => (m.status == 'sending' || m.status == 'failed') && !known.has(m.cid))
            .map((m) => ({ ...m, status: 'sending' as const })),
        ),
        older: !!f.more,
        loadingOlder: false,
      });
      if (fresh.length) arrived(fresh, had);
      later();
    },
    frame(f) {
      if (f.t == 'ack') {
        const m = outbox.ack(f.cid) || k.state.messages.find((x) => x.cid == f.cid);
        if (m) upsert({ ...m, id: f.id, at: f.at, status: 'sent' });
        later();
        if (!outbox.pending().length) clearTimeout(ackTimer);
        flush();
      } else if (f.t == 'msg') received(f.m);
      else if (f.t == 'hist') {
        // Prepended only onto the list it was asked for (a tab that asked with another oldest
        // message, or a list replaced since by a welcome or logout, ignores it).
        const list = k.state.messages;
        if (list[0]?.id != f.before) return true;
        const ids = new Set(list.map((m) => m.id));
        set({
          messages: (f.messages as ChatMessage[])
            .filter((m) => !ids.has(m.id))
            .map(sent)
            .concat(list),
          older: f.more && f.messages.length > 0,
          loadingOlder: false,
        });
      } else if (f.t == 'unblocked') flush(true);
      else return false;
      return true;
    },
    retry(cid) {
      const m = k.state.messages.find((x) => x.cid == cid && x.status == 'failed');
      if (!m) return;
      upsert({ ...m, status: 'sending' });
      flush(true);
    },
    loadOlder() {
      const first = k.state.messages[0];
      if (!k.state.older || k.state.loadingOlder || !first || first.status == 'sending') return;
      if (k.send({ t: 'hist', before: first.id })) set({ loadingOlder: true });
    },
    mirror(raw) {
      const m = parseMessage(raw);
      // Shown as on its way; the server's ack marks it sent. Every tab gets that ack after this
      // copy (one tab channel, in order: core/tabs.ts), or the server's echo of the message
      // where each tab keeps its own connection.
      if (typeof m == 'string' || !m.cid || m.from != 'visitor') return;
      adopt(m);
      if (k.state.autoMessage) set({ autoMessage: null });
    },
    stop() {
      clearTimeout(ackTimer);
      now();
      for (const e of events) k.win?.removeEventListener(e, now);
    },
  };
}
