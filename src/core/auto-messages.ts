import type { Delivery } from './delivery';
import type { Kernel } from './kernel';
import { createRuleEngine, parseRules, type AutoMessageRule } from './rules';
import type { ChatMessage } from './state';
import { timers } from './timers';

/** What the auto messages use of the conversation (core/delivery.ts, perhaps still loading). */
export interface Conversation {
  /** Adds the auto message to the list (once the conversation has loaded). */
  upsert(m: ChatMessage): void;
  hasConversation: Delivery['hasConversation'];
}

/** The rule engine wired to the visitor: what it sees, what it remembers, what a fire does. */
export interface AutoMessages {
  /** The server's rules from a `welcome` (undefined: keep the current ones), then the
   * events fired before that first `welcome`. */
  welcome(rules: unknown): void;
  /** Rules from a live `rules` frame. */
  setRules(rules: unknown): void;
  /** A custom `trigger` event. */
  event(name: string): void;
  check(): void;
  stop(): void;
}

/**
 * Wires the auto-message rules to the kernel: the context they are judged in (page, visit,
 * device, an open conversation), the per-visitor memory of what was shown, and what a fire does
 * (a `trigger` message, the popup or the open window, the `am` frame, the `auto_message` event).
 */
export function createAutoMessages(
  k: Kernel,
  conversation: Conversation,
  startUI: () => void,
): AutoMessages {
  const { config, warn, now } = k;
  /** `trigger` events fired before the first `welcome` (and its rules) reached this layer. */
  let early: string[] | undefined = [];
  const rules = createRuleEngine({
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
        language: k.win?.navigator.language || k.config.lang,
        chatting: conversation.hasConversation() || k.state.blocked,
      };
    },
    now,
    ...timers,
    wasShown: (rule: AutoMessageRule) => {
      const visit = k.visitor.shown[rule.id];
      return visit !== undefined && (rule.frequency == 'visitor' || visit == k.identity?.visits);
    },
    fire: (rule: AutoMessageRule) => {
      const auto = { rule: rule.id, text: rule.text, name: rule.name, replies: rule.replies };
      const m: ChatMessage = {
        id: 'am-' + rule.id + '-' + now(),
        from: 'trigger',
        text: rule.text,
        at: now(),
      };
      if (rule.name) m.name = rule.name;
      if (rule.replies) m.replies = rule.replies;
      conversation.upsert(m);
      const openIt = config.openOnTrigger && k.device == 'desktop';
      // Remembered as shown in the same step as the popup (or the open window) appears.
      k.updateVisitor(
        { shown: { ...k.visitor.shown, [rule.id]: k.identity?.visits || 1 } },
        {
          autoMessage: openIt ? null : auto,
          open: openIt || k.state.open,
          unread: openIt ? k.state.unread : k.state.unread + 1,
        },
      );
      k.send({ t: 'am', rule: rule.id, text: rule.text });
      startUI();
      // Smartsupp's `message_received` too, before `auto_message`.
      k.emitter.emit('message_received', m);
      k.emitter.emit('auto_message', auto);
    },
  });
  const setRules = (r: unknown) => rules.setRules(parseRules(r, warn));

  return {
    welcome(r) {
      if (r) setRules(r);
      // Events fired before the server's rules arrived still count for them.
      for (const name of early || []) rules.event(name);
      early = undefined;
    },
    setRules,
    event(name) {
      rules.event(name);
      if (early && early.length < 20) early.push(name);
    },
    check: rules.check,
    stop: rules.stop,
  };
}
