/**
 * The demo's automations: a new database starts with these as editable examples (unless
 * DEMO=0), so `npm start` shows auto messages and a chatbot at once. Each is validated like an
 * agent API body before it is stored.
 */

const HUMAN = { label: 'Talk to a human', next: 'human' };
const MENU = [
  { label: 'Pricing', next: 'pricing' },
  { label: 'Shipping', next: 'shipping' },
  HUMAN,
];
/** Typed questions the bot understands at every step. */
const TOPICS = [
  { keywords: ['human', 'agent', 'person', 'someone', 'operator'], next: 'human' },
  { keywords: ['pric', 'plan', 'cost', 'how much', 'subscription'], next: 'pricing' },
  { keywords: ['ship', 'deliver', 'parcel', 'track'], next: 'shipping' },
];

/** Acme's examples, in the order the Automations screen lists them. */
export const DEMO_AUTOMATIONS: unknown[] = [
  {
    id: 'pricing-20s',
    kind: 'auto-message',
    name: 'Pricing page, 20 s',
    text: 'Any questions about plans? I can help you pick one.',
    sender: 'Eva from Sales',
    frequency: 'visit',
    conditions: [
      { type: 'url', contains: '/pricing' },
      { type: 'timeOnPage', seconds: 20 },
    ],
  },
  {
    id: 'returning-welcome',
    kind: 'auto-message',
    name: 'Welcome back',
    text: 'Welcome back! Anything we can help with today?',
    sender: 'Acme bot',
    frequency: 'visitor',
    conditions: [
      { type: 'returning', value: true },
      { type: 'timeOnSite', seconds: 30 },
    ],
  },
  {
    id: 'demo-trigger',
    kind: 'auto-message',
    name: 'The "demo" trigger',
    text: 'You fired the "demo" trigger. Want a tour?',
    sender: 'Acme bot',
    frequency: 'visit',
    conditions: [{ type: 'event', name: 'demo' }],
    replies: [
      { label: 'Yes, show me', value: 'Yes, show me around' },
      { label: 'Talk to a human', value: 'Talk to a human' },
    ],
  },
  {
    id: 'acme-bot',
    kind: 'bot',
    name: 'Acme bot',
    greeting: true,
    start: 'menu',
    steps: {
      menu: {
        text: 'Hi! I am the Acme bot. What can I help you with?',
        buttons: MENU,
        match: TOPICS,
        next: 'lost',
      },
      pricing: {
        text: 'Free costs nothing, Standard is $15 a month (adds proactive chat), Pro is $29 a month (everything). Anything else?',
        buttons: [
          { label: 'Email me a quote', next: 'quote' },
          { label: 'Shipping', next: 'shipping' },
          HUMAN,
        ],
        match: TOPICS,
        next: 'lost',
      },
      shipping: {
        text: 'We ship in 1–2 working days; delivery is free over $50 and you get a tracking link by email.',
        buttons: [{ label: 'Pricing', next: 'pricing' }, HUMAN],
        match: TOPICS,
        next: 'lost',
      },
      quote: {
        text: 'Happy to. What is your email address?',
        ask: 'email',
        next: 'quoted',
      },
      quoted: {
        text: 'Thanks! A quote is on its way; an agent can also answer here.',
      },
      lost: {
        text: 'Sorry, I did not get that. Pick one of these:',
        buttons: MENU,
        match: TOPICS,
        next: 'fallback',
      },
      fallback: {
        text: 'Let me get a human for you: an agent will reply here shortly.',
        handover: true,
      },
      human: {
        text: 'Sure — I have asked a human to join. An agent will reply here shortly.',
        handover: true,
      },
    },
  },
];
