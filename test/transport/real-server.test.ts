// @vitest-environment node
/**
 * The shared transport suite against the reference server (demo/server/), in-process on
 * 127.0.0.1 with an in-memory database. Drops are made on the client's side of the wire (the
 * socket or request is cut), which the server sees as a lost connection.
 */
import WebSocket from 'ws';
import { startServer } from '../../demo/server/server';
import { quietLogger } from '../../demo/server/log';
import type { Message } from '../../src/protocol';
import { createHttpTransport } from '../../src/transport/http';
import { createWebSocketTransport } from '../../src/transport/websocket';
import type { Transport } from '../../src/transport/types';
import { describeTransport, type TransportHarness } from '../helpers/transport-suite';
import { NodeEventSource } from './node-event-source';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function harness(
  make: (url: string) => { transport: Transport; drop(): Promise<void>; traffic(): number },
): Promise<TransportHarness> {
  const server = await startServer({
    port: 0,
    db: ':memory:',
    log: quietLogger,
    demo: false,
    rate: { rate: 1000, burst: 1000 },
  });
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(server.url + '/api/visitors/' + path, {
      ...init,
      headers: { authorization: 'Bearer ' + server.agentToken, 'content-type': 'application/json' },
    });
    if (!res.ok)
      throw new Error(`${init.method || 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const client = make(server.url);
  return {
    transport: client.transport,
    stored: async (vid) =>
      ((await api(vid)).messages as Message[]).filter((m) => m.from == 'visitor'),
    say: (vid, text) =>
      api(vid + '/conversation', { method: 'POST', body: JSON.stringify({ text }) }).then(() => {}),
    drop: client.drop,
    traffic: client.traffic,
    dispose: async () => void (await server.close()),
  };
}

describeTransport('WebSocket transport + reference server', () =>
  harness((url) => {
    const sockets: WebSocket[] = [];
    class RecordingWebSocket extends WebSocket {
      constructor(address: string) {
        super(address);
        sockets.push(this);
      }
    }
    return {
      transport: createWebSocketTransport({
        url,
        key: 'demo',
        WebSocket: RecordingWebSocket as unknown as typeof globalThis.WebSocket,
        random: () => 0,
      }),
      async drop() {
        sockets.at(-1)!.terminate();
      },
      traffic: () => sockets.length,
    };
  }),
);

for (const mode of ['EventSource', 'long-poll'] as const)
  describeTransport(`HTTP transport (${mode}) + reference server`, () =>
    harness((url) => {
      let requests = 0;
      const pending = new Set<AbortController>();
      const streams: NodeEventSource[] = [];
      class RecordingEventSource extends NodeEventSource {
        constructor(u: string) {
          super(u);
          requests++;
          streams.push(this);
        }
      }
      /** fetch whose in-flight long-polls can be cut. */
      const cuttable: typeof fetch = (input, init) => {
        requests++;
        const ac = new AbortController();
        pending.add(ac);
        return fetch(input, { ...init, signal: ac.signal }).finally(() => pending.delete(ac));
      };
      const polls = () => [...pending];
      return {
        transport: createHttpTransport({
          url,
          key: 'demo',
          fetch: cuttable,
          EventSource:
            mode == 'EventSource'
              ? (RecordingEventSource as unknown as typeof EventSource)
              : undefined,
          random: () => 0,
          batchMs: 5,
        }),
        async drop() {
          if (mode == 'EventSource') {
            for (let i = 0; i < 200 && streams.at(-1)?.readyState != 1; i++) await settle(5);
            streams.at(-1)!.drop();
          } else {
            for (let i = 0; i < 200 && !polls().length; i++) await settle(5);
            for (const ac of polls()) ac.abort();
          }
        },
        traffic: () => requests,
      };
    }),
  );
