// @vitest-environment node
/**
 * The HTTP transport against the reference server: a `welcome` comes before what the event
 * stream brings of the frames sent after its hello in the same POST (as on a socket).
 */
import { expect, it } from 'vitest';
import { serve } from '../server/helpers';
import { createHttpTransport } from '../../src/transport/http';
import type { Transport } from '../../src/transport/types';
import { NodeEventSource } from './node-event-source';
import { helloFrame } from '../helpers/hello-frame';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

const hello = helloFrame;

it("delivers another tab's welcome before the echo of a message sent in the same POST", async () => {
  // Two tabs share one connection; the leader relays the second tab's hello, which goes out
  // with the leader's next message in one POST. The server builds that welcome before it stores
  // the message; the message's echo came on the event stream before the POST's answer, and the
  // welcome after it took the acked message off the list (the widget showed v0, v2, v3).
  const server = await serve({ demo: false, rate: { rate: 1000, burst: 1000 } });
  const frames: Array<{ t: string; cid?: string; m?: { cid?: string } }> = [];
  const transport: Transport = createHttpTransport({
    url: server.url,
    key: 'demo',
    EventSource: NodeEventSource as unknown as typeof EventSource,
    // Answers to POSTs take a little longer than the event stream (another connection).
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method == 'POST') await settle(30);
      return res;
    },
    random: () => 0,
    batchMs: 5,
  });
  transport.open({
    status: () => {},
    frame: (f) => void frames.push(typeof f == 'string' ? JSON.parse(f) : f),
  });
  transport.send(hello('vorder1'));
  for (let i = 0; i < 200 && !frames.length; i++) await settle(5);
  const token = (frames[0] as unknown as { token: string }).token;
  for (let i = 0; i < 200 && NodeEventSource.all.at(-1)?.readyState != 1; i++) await settle(5);
  transport.send({ t: 'msg', cid: 'v0', text: 'v0', at: 1 });
  for (let i = 0; i < 200 && frames.filter((f) => f.t == 'ack' || f.t == 'msg').length < 2; i++)
    await settle(5);
  frames.length = 0;
  transport.send(hello('vorder1', token));
  transport.send({ t: 'msg', cid: 'v1', text: 'v1', at: 2 });
  for (let i = 0; i < 200 && frames.filter((f) => f.t == 'ack' || f.t == 'msg').length < 2; i++)
    await settle(5);
  const order = frames.map((f) => f.t + (f.cid || f.m?.cid || ''));
  expect(order.indexOf('welcome')).toBeGreaterThanOrEqual(0);
  expect(order.indexOf('welcome')).toBeLessThan(order.indexOf('msgv1'));
  expect(order.indexOf('welcome')).toBeLessThan(order.indexOf('ackv1'));
  transport.close?.();
});
