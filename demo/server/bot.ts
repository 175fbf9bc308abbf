/**
 * The demo chatbot: a tiny script with quick-reply buttons. It answers a visitor's messages while
 * no agent has replied in the conversation; "Talk to a human" hands over (it says an agent will
 * join, then stays quiet), and so does a second message it does not understand.
 */
import type { QuickReply } from '../../src/protocol';

/** Display name of the bot's messages. */
export const BOT_NAME = 'Acme bot';

/**
 * The bot's state in a conversation (stored with it): `new` (not greeted yet), `menu`
 * (greeted), `lost` (one message not understood), `handover` (quiet for good).
 */
export type BotState = 'new' | 'menu' | 'lost' | 'handover';

/** What the bot says and its next state. */
export interface BotReply {
  text: string;
  replies?: QuickReply[];
  next: BotState;
}

const HUMAN: QuickReply = { label: 'Talk to a human', value: 'Talk to a human' };
const MENU: QuickReply[] = [
  { label: 'Pricing', value: 'Tell me about pricing' },
  { label: 'Shipping', value: 'How does shipping work?' },
  HUMAN,
];

const BRANCHES: [RegExp, BotReply][] = [
  [
    /human|agent|person|someone|operator/i,
    {
      text: 'Sure — I have asked a human to join. An agent will reply here shortly.',
      next: 'handover',
    },
  ],
  [
    /pric|plan|cost|how much|subscription/i,
    {
      text: 'Free costs nothing, Standard is $15 a month (adds proactive chat), Pro is $29 a month (everything). Anything else?',
      replies: [{ label: 'Shipping', value: 'How does shipping work?' }, HUMAN],
      next: 'menu',
    },
  ],
  [
    /ship|deliver|parcel|track/i,
    {
      text: 'We ship in 1–2 working days; delivery is free over $50 and you get a tracking link by email.',
      replies: [{ label: 'Pricing', value: 'Tell me about pricing' }, HUMAN],
      next: 'menu',
    },
  ],
];

/** The bot's answer to `text` in `state`, or null when it stays quiet. */
export function botReply(state: string, text: string): BotReply | null {
  if (state == 'handover') return null;
  const hit = BRANCHES.find(([re]) => re.test(text));
  if (hit) return hit[1];
  if (state == 'new')
    return {
      text: 'Hi! I am the Acme bot. What can I help you with?',
      replies: MENU,
      next: 'menu',
    };
  if (state == 'menu')
    return { text: 'Sorry, I did not get that. Pick one of these:', replies: MENU, next: 'lost' };
  return {
    text: 'Let me get a human for you: an agent will reply here shortly.',
    next: 'handover',
  };
}
