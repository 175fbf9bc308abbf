// @vitest-environment node
import WebSocket from 'ws';
import { describeTransport } from '../helpers/transport-suite';
import { createWebSocketTransport } from '../../src/transport/websocket';
import { startMiniServer } from './mini-server';

describeTransport('WebSocket transport + mini server', async () => {
  const server = await startMiniServer();
  return {
    transport: createWebSocketTransport({
      url: server.url,
      key: server.key,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      random: () => 0,
    }),
    stored: server.stored,
    say: server.say,
    drop: server.drop,
    traffic: () => server.requests.length,
    dispose: server.close,
  };
});
