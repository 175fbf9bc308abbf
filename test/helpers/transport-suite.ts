/**
 * The behaviour every transport must have, as one suite: run it with `describeTransport(name,
 * makeHarness)` for a transport and a server it talks to. The client side plays the core's part
 * (src/core/widget.ts): `hello` on every `open`, with the token from the last `welcome`.
 */
import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientFrame, HelloFrame, Message } from '../../src/protocol';
import type { ConnectionStatus, Transport } from '../../src/transport/types';

/** A transport wired to a server, with the server-side controls the suite needs. */
export interface TransportHarness {
  transport: Transport;
  /** Visitor messages the server stored for `vid`, in order. */
  stored(vid: string): Message[] | Promise<Message[]>;
  /** Sends an agent message to visitor `vid` (connected and welcomed). */
  say(vid: string, text: string): void | Promise<void>;
  /**
   * Drops the visitor's connection from the server side or the network; the transport must
   * report `closed`, then reconnect by itself (the harness makes its backoff take no time).
   */
  drop(vid: string): void | Promise<void>;
  /** How many connections or requests the server has seen so far (to prove silence). */
  traffic?(): number;
  /** Frees the server and whatever else the harness holds. */
  dispose?(): void | Promise<void>;
}

/** What the suite's stand-in for the core saw. */
export interface SuiteClient {
  vid: string;
  token?: string;
  statuses: ConnectionStatus[];
  /** Server frames, parsed. */
  frames: Array<Record<string, unknown> & { t: string }>;
  send(frame: ClientFrame): boolean;
}

const WAIT = { timeout: 5000, interval: 5 };

/** Opens `transport` the way the core does and records what comes back. */
export function openClient(transport: Transport, key = 'demo'): SuiteClient {
  const client: SuiteClient = {
    vid: nanoid(),
    statuses: [],
    frames: [],
    send: (frame) => transport.send(frame),
  };
  const hello = (): HelloFrame => ({
    t: 'hello',
    v: 1,
    key,
    vid: client.vid,
    ...(client.token ? { token: client.token } : {}),
    visits: 1,
    firstSeenAt: Date.now(),
    page: { url: 'http://127.0.0.1/', title: 'Test', referrer: '' },
    device: 'desktop',
    lang: 'en',
    activeAt: 0,
  });
  transport.open({
    status(s) {
      client.statuses.push(s);
      if (s == 'open') transport.send(hello());
    },
    frame(raw) {
      const f = typeof raw == 'string' ? JSON.parse(raw) : raw;
      client.frames.push(f);
      if (f.t == 'welcome' && f.token) client.token = f.token;
    },
  });
  return client;
}

const ofType = (client: SuiteClient, t: string) => client.frames.filter((f) => f.t == t);

/** Waits until the client got `n` welcomes. */
export const welcomed = (client: SuiteClient, n = 1) =>
  vi.waitFor(() => expect(ofType(client, 'welcome').length).toBeGreaterThanOrEqual(n), WAIT);

/** Defines the shared transport suite for one transport + server pair. */
export function describeTransport(
  name: string,
  makeHarness: () => TransportHarness | Promise<TransportHarness>,
): void {
  describe(name + ' passes the transport suite', () => {
    let harness: TransportHarness | undefined;
    afterEach(async () => {
      harness?.transport.close();
      await harness?.dispose?.();
      harness = undefined;
    });
    const start = async () => {
      harness = await makeHarness();
      return { h: harness, client: openClient(harness.transport) };
    };

    it('opens and reports open', async () => {
      const { client } = await start();
      await vi.waitFor(() => expect(client.statuses).toContain('open'), WAIT);
      expect(client.statuses).not.toContain('stopped');
    });

    it('answers hello with a welcome that carries a token', async () => {
      const { client } = await start();
      await welcomed(client);
      expect(ofType(client, 'welcome')[0]).toMatchObject({ t: 'welcome', vid: client.vid });
      expect(client.token).toEqual(expect.any(String));
    });

    it('acknowledges a message with its client id', async () => {
      const { client } = await start();
      await welcomed(client);
      expect(client.send({ t: 'msg', cid: 'c1', text: 'Hello', at: Date.now() })).toBe(true);
      await vi.waitFor(() => expect(ofType(client, 'ack')).toHaveLength(1), WAIT);
      expect(ofType(client, 'ack')[0]).toMatchObject({ cid: 'c1', id: expect.any(String) });
    });

    it('stores a message sent twice with one client id once', async () => {
      const { h, client } = await start();
      await welcomed(client);
      client.send({ t: 'msg', cid: 'dup', text: 'Once', at: Date.now() });
      client.send({ t: 'msg', cid: 'dup', text: 'Once', at: Date.now() });
      await vi.waitFor(() => expect(ofType(client, 'ack')).toHaveLength(2), WAIT);
      const [a, b] = ofType(client, 'ack');
      expect(b.id).toBe(a.id);
      const stored = (await h.stored(client.vid)).filter((m) => m.cid == 'dup');
      expect(stored.map((m) => m.text)).toEqual(['Once']);
    });

    it('delivers server messages in order', async () => {
      const { h, client } = await start();
      await welcomed(client);
      for (const text of ['one', 'two', 'three']) await h.say(client.vid, text);
      const texts = () => ofType(client, 'msg').map((f) => (f.m as Message).text);
      await vi.waitFor(() => expect(texts()).toHaveLength(3), WAIT);
      expect(texts()).toEqual(['one', 'two', 'three']);
    });

    it('reports closed when the server drops it, then reconnects and says hello again', async () => {
      const { h, client } = await start();
      await welcomed(client);
      const token = client.token;
      await h.drop(client.vid);
      await vi.waitFor(() => expect(client.statuses).toContain('closed'), WAIT);
      await welcomed(client, 2);
      expect(client.statuses.slice(client.statuses.indexOf('closed'))).toContain('open');
      expect(client.token).toBe(token);
      client.send({ t: 'msg', cid: 'after-drop', text: 'Still here', at: Date.now() });
      await vi.waitFor(
        () => expect(ofType(client, 'ack').map((f) => f.cid)).toContain('after-drop'),
        WAIT,
      );
    });

    it('close() stops it for good', async () => {
      const { h, client } = await start();
      await welcomed(client);
      h.transport.close();
      const seen = client.statuses.length;
      // Requests sent before close() may still be on their way to the server.
      await new Promise((r) => setTimeout(r, 50));
      const traffic = h.traffic?.();
      await new Promise((r) => setTimeout(r, 150));
      expect(client.statuses.slice(seen)).toEqual([]);
      expect(h.traffic?.()).toBe(traffic);
      expect(h.transport.send({ t: 'msg', cid: 'late', text: 'late', at: Date.now() })).toBe(false);
      expect(client.statuses).not.toContain('closed');
    });
  });
}
