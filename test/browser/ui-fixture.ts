/**
 * Browser-side fixture for the UI tests (bundled as /fixture.js by ui-harness.ts): an in-memory
 * server handed to the widget through `_smartsupp.transport`, exposed as `window.chat` so a test
 * can script the agent (say, typing, block, unblock) from the page. `?history=N` in the page URL
 * starts the conversation with N agent messages ("Message 1" … "Message N", of varied lengths).
 */
import { createMemoryTransport } from '../../src/transport/memory';

const transport = createMemoryTransport({
  latencyMs: 20,
  server: {
    rules: [
      {
        id: 'tour',
        text: 'Hi! Want a quick tour of our plans?',
        name: 'Eva from Sales',
        frequency: 'visit',
        conditions: [{ type: 'event', name: 'tour' }],
        replies: [
          { label: 'Yes, please', value: 'Yes, show me around' },
          { label: 'No thanks', value: 'No thanks' },
        ],
      },
    ],
  },
});

const history = Number(new URLSearchParams(location.search).get('history')) || 0;
const start = Date.now() - history * 1000;
for (let i = 1; i <= history; i++)
  transport.server.messages.push({
    id: 'h' + i,
    from: 'agent',
    name: 'Eva',
    text: 'Message ' + i + (i % 5 ? '' : ': ' + 'a longer line that wraps '.repeat(i % 7)),
    at: start + i * 1000,
  });

const w = window as unknown as {
  chat: unknown;
  _smartsupp?: Record<string, unknown>;
};
w.chat = { server: transport.server };
w._smartsupp = w._smartsupp || {};
w._smartsupp.transport = transport;
