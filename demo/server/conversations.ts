/**
 * Conversations: visitor messages (acked once stored, de-duplicated by `cid`), agent messages
 * and proactive chats, closing, and the chatbot's answers. A message is acknowledged only after
 * the store kept it: when the store is unreachable the widget keeps it in its outbox and resends.
 */
import type { Attachment, ClientFrame, Message } from '../../src/protocol';
import type { AskField, Bot } from './automation';
import { botTurn, type BotTurn } from './bot-flow';
import type { Logger } from './log';
import { changed, type Conn, type LiveVisitor } from './presence';
import type { Store, StoredConversation } from './store';
import type { Registry } from './visitor-registry';
import { closedText } from './closed-text';

/** What conversations need from the hub. */
export interface ConversationOptions {
  store: Store;
  registry: Registry;
  log: Logger;
  now: () => number;
  /** How long the bot "types" before it answers (0: at once). */
  botDelayMs: number;
  /** Sends a frame to the visitor's connections (but `except`). */
  deliver(v: LiveVisitor, f: Parameters<Conn['send']>[0], except?: Conn): void;
  /** The visitor changed: tell the agent feed. */
  emit(v: LiveVisitor): void;
  /** A message was stored and delivered (`startedAt`: performance.now() when it arrived). */
  /** `opened`: a visitor's message that opened the conversation (a new chat). */
  messageStored(v: LiveVisitor, m: Message, startedAt: number, opened?: boolean): void;
  setTyping(v: LiveVisitor, on: boolean): void;
  /** Runs `fn` after `ms` unless the hub closed. */
  later(fn: () => void, ms: number): void;
  /** The site's chatbot flows (automations.ts). */
  bots: { bot(id: string): Bot | undefined; greeting(): Bot | undefined };
  /** A bot step captured an answer: store it on the visitor (a customer now). */
  capture(v: LiveVisitor, field: AskField, value: string): Promise<void>;
  /** The attachments of files `ids` the visitor uploaded, or why they cannot be sent (files.ts). */
  attachments(vid: string, ids: string[]): Promise<Attachment[] | string>;
}

/** Creates the conversation handlers. */
export function createConversations(o: ConversationOptions) {
  const { store, now } = o;

  /** Stores a message in the conversation and sends it everywhere it goes. */
  async function post(
    v: LiveVisitor,
    c: StoredConversation,
    m: Omit<Message, 'id'>,
    except?: Conn | 'visitor',
    opened?: boolean,
  ): Promise<Message> {
    const startedAt = performance.now();
    const stored = await store.addMessage(c.id, v.id, m);
    if (m.from == 'visitor') c.lastVisitorAt = m.at;
    if (m.from == 'agent') c.lastAgentAt = m.at;
    v.lastMessage = stored;
    changed(v);
    // 'visitor': not to the widgets at all (they show that message already).
    if (except != 'visitor') o.deliver(v, { t: 'msg', m: stored }, except);
    o.messageStored(v, stored, startedAt, opened);
    o.emit(v);
    await store.saveConversation(c);
    return stored;
  }

  /** A flow's figures: a greeting is a show; a hand-over counts as a conversation it led to. */
  async function figures(v: LiveVisitor, c: StoredConversation, r: BotTurn) {
    if (r.started) await store.addAutoMessageShow(v.id, v.visits, r.bot.id, r.text, now());
    if (r.handover) await store.showHandedOver(v.id, r.bot.id, c.id);
  }

  /**
   * The bot's turn after a visitor message. It runs on the node that stored the message, inside
   * the visitor's serial queue, and the conversation's new state is stored before the bot
   * speaks: one visitor message makes at most one bot turn, however many nodes run.
   */
  async function runBot(v: LiveVisitor, c: StoredConversation, text: string) {
    // An agent writing stops the bot for the rest of the conversation.
    if (c.lastAgentAt > 0) return;
    const r = botTurn(c.bot, text, o.bots.bot, o.bots.greeting);
    if (!r) return;
    c.bot = r.state;
    await store.saveConversation(c);
    if (r.capture) await o.capture(v, r.capture.field, r.capture.value);
    // The figures are worth less than the answer: a failed write is logged, not fatal.
    await figures(v, c, r).catch((e) => o.log.warn(`visitor ${v.id}: figures not written: ${e}`));
    const say = async () => {
      // Closed meanwhile, or an agent replied: the bot stays quiet.
      if (v.conversation !== c || c.lastAgentAt > 0) return;
      const m: Omit<Message, 'id'> = { from: 'bot', name: r.bot.name, text: r.text, at: now() };
      if (r.replies) m.replies = r.replies;
      await post(v, c, m);
    };
    const quiet = (e: unknown) => o.log.error(`visitor ${v.id}: the bot's answer was lost: ${e}`);
    if (o.botDelayMs <= 0) return say().catch(quiet);
    o.deliver(v, { t: 'typing', on: true });
    o.later(() => void o.registry.serial(v.id, say).catch(quiet), o.botDelayMs);
  }

  return {
    /**
     * A visitor message: refused when blocked, acked (same id for a known cid), echoed to other
     * tabs. Returns false when refused; rejects (no ack sent) when the store is unreachable.
     */
    async visitorMessage(v: LiveVisitor, f: Extract<ClientFrame, { t: 'msg' }>, reply: Conn) {
      if (v.blockedAt != null) {
        o.log.warn(`visitor ${v.id}: message refused: the visitor is blocked`);
        reply.send({ t: 'err', code: 'blocked', message: 'blocked visitors cannot send messages' });
        return false;
      }
      const dup = await store.messageByCid(v.id, f.cid);
      if (dup) {
        reply.send({ t: 'ack', cid: f.cid, id: dup.id, at: dup.at });
        return true;
      }
      let files: Attachment[] | undefined;
      if (f.attachments) {
        const found = await o.attachments(
          v.id,
          f.attachments.map((a) => a.id),
        );
        if (typeof found == 'string') {
          o.log.warn(`visitor ${v.id}: message refused: ${found}`);
          reply.send({ t: 'err', code: 'bad_attachment', message: found });
          return false;
        }
        files = found;
      }
      const t = now();
      let c = v.conversation;
      const opened = !c;
      if (!c) c = v.conversation = await store.createConversation(v.id, 'visitor', t);
      // A conversation the visitor starts in answer to this visit's auto message begins with
      // it: the agent sees what was answered, and a reload shows it too. The widgets show it
      // already (on the device): it is not sent to them.
      const am = v.pendingAm;
      if (am) {
        v.pendingAm = null;
        // Written now: no node (nor this one after a restart) may begin a later one with it.
        await o.registry.save(v).catch((e) => o.log.warn(`visitor ${v.id}: not written yet: ${e}`));
      }
      if (opened && am && v.amVisit == v.visits)
        await post(v, c, { from: 'trigger', text: am.text, at: Math.min(am.at, t) }, 'visitor');
      o.setTyping(v, false);
      const sent: Omit<Message, 'id'> = { cid: f.cid, from: 'visitor', text: f.text, at: t };
      if (files) sent.attachments = files;
      const m = await post(v, c, sent, reply, opened);
      reply.send({ t: 'ack', cid: f.cid, id: m.id, at: m.at });
      // Figures: an answer to this visit's last auto message, or to the flow waiting for one.
      if (v.amVisit == v.visits || c.bot.startsWith('at:'))
        await store
          .showReplied(v.id, v.visits, t, opened ? c.id : null)
          .catch((e) => o.log.warn(`visitor ${v.id}: figures not written: ${e}`));
      // A file alone says nothing a flow could answer.
      if (f.text) await runBot(v, c, f.text);
      return true;
    },

    /**
     * An agent message. With `open`, a conversation is opened first when none is (proactive
     * chat); without, there must be one. Returns the message and whether a conversation was
     * opened, or undefined when there is no conversation to write into.
     */
    async agentMessage(
      v: LiveVisitor,
      text: string,
      name: string | undefined,
      open: boolean,
      attachments?: Attachment[],
    ) {
      const t = now();
      let c = v.conversation;
      const opened = !c;
      if (!c) {
        if (!open) return undefined;
        c = v.conversation = await store.createConversation(v.id, 'agent', t);
      }
      const m: Omit<Message, 'id'> = { from: 'agent', text, at: t };
      if (name) m.name = name;
      if (attachments?.length) m.attachments = attachments;
      return { message: await post(v, c, m), opened };
    },

    /**
     * Closes the open conversation with a system message, then tells the visitor's widgets
     * (`closed`: they ask for a rating); false when none is open.
     */
    async closeConversation(v: LiveVisitor): Promise<boolean> {
      const c = v.conversation;
      if (!c) return false;
      await post(v, c, { from: 'system', text: closedText(v.language), at: now() });
      await store.closeConversation(c.id, now());
      v.conversation = null;
      changed(v);
      o.emit(v);
      o.deliver(v, { t: 'closed' });
      return true;
    },
  };
}
