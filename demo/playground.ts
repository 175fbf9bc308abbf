/**
 * The offline playground: an in-memory "server" with a scripted agent, loaded by the demo pages
 * before the snippet. It hands the widget its transport through `_smartsupp.transport`, so the
 * script-tag core stays free of any demo code. The reference server replaces it (issue 4).
 */
import { createMemoryTransport } from '../src/transport/memory';
import type { ClientFrame } from '../src/protocol';

const RULES = [
  {
    id: 'pricing-20s',
    text: 'Any questions about plans? I can help you pick one.',
    name: 'Eva from Sales',
    frequency: 'visit',
    conditions: [
      { type: 'url', contains: '/pricing' },
      { type: 'timeOnPage', seconds: 20 },
    ],
  },
  {
    id: 'demo-trigger',
    text: 'You fired the "demo" trigger. Want a tour?',
    name: 'Tourbot',
    frequency: 'visit',
    conditions: [{ type: 'event', name: 'demo' }],
    replies: [
      { label: 'Yes, show me', value: 'Yes, show me around' },
      { label: 'No thanks', value: 'No thanks' },
    ],
  },
];

const transport = createMemoryTransport({ latencyMs: 120, server: { rules: RULES } });
const { server } = transport;
let greeted = false;

function answer(text: string): void {
  const t = text.toLowerCase();
  server.push({ t: 'typing', on: true });
  setTimeout(() => {
    if (!greeted) {
      greeted = true;
      server.say('Hi! I am the demo bot. What brings you here?', {
        from: 'bot',
        name: 'Demo bot',
        replies: [
          { label: 'Pricing', value: 'Tell me about pricing' },
          { label: 'Talk to a human', value: 'I want to talk to a human' },
        ],
      });
    } else if (t.includes('pric') || t.includes('plan')) {
      server.say('Free is free forever; Standard adds proactive chat; Pro adds everything.', {
        from: 'bot',
        name: 'Demo bot',
      });
    } else if (t.includes('human') || t.includes('agent')) {
      server.say('Eva here, a (scripted) human. How can I help?', { name: 'Eva' });
    } else {
      server.say('You said: "' + text + '". An agent will follow up shortly.', { name: 'Eva' });
    }
  }, 900);
}

server.onFrame((frame: ClientFrame) => {
  if (frame.t == 'msg') answer(frame.text);
});

const w = window as unknown as { _smartsupp?: Record<string, unknown> };
w._smartsupp = w._smartsupp || {};
w._smartsupp.transport = transport;
