/**
 * Walking a chatbot flow (automation.ts `Bot`): given where a conversation stands and what the
 * visitor wrote, what the bot says next, where it then stands, and what it captured. Pure: the
 * conversation code stores the state and posts the message. A conversation's state is `new`
 * (the bot has not spoken), `at:<bot id>:<step id>` (waiting for an answer to that step),
 * `handover` or `done` (quiet for good in this conversation).
 */
import type { QuickReply } from '../../src/protocol';
import type { AskField, Bot, BotStep } from './automation';

/** What the bot does with one visitor message. */
export interface BotTurn {
  /** The bot that speaks (its name is the author name). */
  bot: Bot;
  text: string;
  replies?: QuickReply[];
  /** The conversation's next state. */
  state: string;
  /** A validated answer to an `ask` step, to store on the visitor. */
  capture?: { field: AskField; value: string };
  /** The flow started in this conversation (a figure: shown). */
  started?: boolean;
  /** The flow handed the conversation over to a human. */
  handover?: boolean;
}

/** What a valid answer to each `ask` looks like (within the protocol's field limits). */
const ANSWERS: Record<AskField, [RegExp, string]> = {
  email: [
    /^(?=.{3,254}$)[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/,
    'That does not look like an email address (name@example.com). Please try again.',
  ],
  name: [/^\S.{0,199}$/s, 'Please type your name.'],
  phone: [/^\+?[\d\s().-]{6,30}$/, 'That does not look like a phone number. Please try again.'],
};

const norm = (s: string) => s.trim().toLowerCase();

/** The step a visitor's answer to `step` leads to (a button, then a keyword), if any. */
function chosen(step: BotStep, text: string): string | undefined {
  const t = norm(text);
  const button = step.buttons?.find((b) => norm(b.label) == t);
  if (button) return button.next;
  return step.match?.find((m) => m.keywords.some((k) => t.includes(norm(k))))?.next;
}

/** Saying step `id` of `bot`: its text, its buttons as quick replies, and the state after it. */
function say(bot: Bot, id: string): BotTurn {
  const step = bot.steps[id]!;
  const turn: BotTurn = { bot, text: step.text, state: 'done' };
  if (step.buttons) turn.replies = step.buttons.map((b) => ({ label: b.label, value: b.label }));
  if (step.handover) {
    turn.state = 'handover';
    turn.handover = true;
  } else if (step.buttons || step.match || step.ask || step.next) turn.state = `at:${bot.id}:${id}`;
  return turn;
}

/**
 * The bot's turn after the visitor wrote `text` in a conversation at `state`, or null when it
 * stays quiet. `find` gives an enabled flow by id; `greeting` the flow for new conversations.
 */
export function botTurn(
  state: string,
  text: string,
  find: (id: string) => Bot | undefined,
  greeting: () => Bot | undefined,
): BotTurn | null {
  if (state == 'new') {
    const bot = greeting();
    if (!bot) return null;
    // A first message that already answers the greeting's step skips it.
    const turn = say(bot, chosen(bot.steps[bot.start]!, text) ?? bot.start);
    turn.started = true;
    return turn;
  }
  const m = /^at:([\w-]+):([\w-]+)$/.exec(state);
  const bot = m ? find(m[1]!) : undefined;
  const step = bot?.steps[m![2]!];
  // Switched off, deleted, or edited so that the step is gone: quiet from here on.
  if (!bot || !step) return null;
  if (step.ask) {
    const [re, again] = ANSWERS[step.ask];
    const value = text.trim();
    if (!re.test(value)) return { bot, text: again, state };
    const turn = step.next ? say(bot, step.next) : { bot, text: 'Thank you!', state: 'done' };
    turn.capture = { field: step.ask, value };
    return turn;
  }
  const next = chosen(step, text) ?? step.next;
  return next ? say(bot, next) : null;
}
