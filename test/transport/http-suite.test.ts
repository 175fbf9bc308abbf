// @vitest-environment node
import { describeTransport } from '../helpers/transport-suite';
import { createHttpTransport } from '../../src/transport/http';
import { startMiniServer } from './mini-server';
import { NodeEventSource } from './node-event-source';

for (const mode of ['EventSource', 'long-poll'] as const)
  describeTransport(`HTTP transport (${mode}) + mini server`, async () => {
    const server = await startMiniServer();
    return {
      transport: createHttpTransport({
        url: server.url,
        key: server.key,
        EventSource:
          mode == 'EventSource' ? (NodeEventSource as unknown as typeof EventSource) : undefined,
        random: () => 0,
        batchMs: 5,
      }),
      stored: server.stored,
      say: server.say,
      drop: server.drop,
      traffic: () => server.requests.length,
      dispose: server.close,
    };
  });
