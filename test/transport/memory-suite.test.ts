import { describeTransport } from '../helpers/transport-suite';
import { createMemoryTransport } from '../../src/transport/memory';

describeTransport('memory transport', () => {
  const transport = createMemoryTransport();
  const { server } = transport;
  return {
    transport,
    stored: () => server.messages.filter((m) => m.from == 'visitor'),
    say: (_vid, text) => void server.say(text),
    drop() {
      // The memory server does not reconnect by itself: accept the client again at once.
      server.disconnect();
      server.connect();
    },
    traffic: () => server.received.length,
  };
});
