import { describe, expect, it } from 'vitest';
import { createMemoryTransport } from '../../src/transport/memory';
import type { ConnectionStatus } from '../../src/transport/types';

async function settle() {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function open() {
  const transport = createMemoryTransport();
  const statuses: ConnectionStatus[] = [];
  const frames: unknown[] = [];
  transport.open({
    status: (s) => statuses.push(s),
    frame: (f) => frames.push(JSON.parse(f as string)),
  });
  return { transport, server: transport.server, statuses, frames };
}

describe('memory transport', () => {
  it('opens, answers hello with welcome and acks messages once per client id', async () => {
    const { transport, server, statuses, frames } = open();
    await settle();
    expect(statuses).toEqual(['connecting', 'open']);
    transport.send({
      t: 'hello',
      v: 1,
      key: 'k',
      vid: 'visitor-1',
      visits: 1,
      firstSeenAt: 0,
      page: { url: '', title: '', referrer: '' },
      device: 'desktop',
      lang: 'en',
      activeAt: 0,
    });
    transport.send({ t: 'msg', cid: 'c1', text: 'hi', at: 1 });
    transport.send({ t: 'msg', cid: 'c1', text: 'hi', at: 1 });
    await settle();
    expect(frames.map((f) => (f as { t: string }).t)).toEqual(['welcome', 'ack', 'ack']);
    expect(server.messages).toHaveLength(1);
    expect(server.received.map((f) => f.t)).toEqual(['hello', 'msg', 'msg']);
  });

  it('refuses to send while disconnected and loses frames in flight', async () => {
    const { transport, server, statuses } = open();
    await settle();
    transport.send({ t: 'msg', cid: 'c1', text: 'in flight', at: 1 });
    server.disconnect();
    expect(transport.send({ t: 'msg', cid: 'c2', text: 'offline', at: 2 })).toBe(false);
    await settle();
    expect(server.received).toEqual([]);
    expect(statuses.at(-1)).toBe('closed');
    server.connect();
    await settle();
    expect(statuses.at(-1)).toBe('open');
  });

  it('stop reports a final stopped status', async () => {
    const { server, statuses } = open();
    server.stop();
    await settle();
    expect(statuses.at(-1)).toBe('stopped');
  });
});
