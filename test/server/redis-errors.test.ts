// @vitest-environment node
/**
 * What the cluster's Redis clients log when Redis is gone: ioredis's own words ("Stream isn't
 * writeable and enableOfflineQueue options is false") name neither Redis nor the cause.
 */
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisReason } from '../../demo/server/redis-errors';

/** A loopback port nothing listens on. */
async function closedPort() {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as { port: number };
  await new Promise((ok) => s.close(ok));
  return port;
}

describe('redisReason', () => {
  it('says Redis does not answer when a command meets a connection that is down', async () => {
    const client = new Redis(await closedPort(), '127.0.0.1', {
      enableOfflineQueue: false,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    await client.connect().catch(() => {});
    const e = await client.get('x').catch((error: unknown) => error);
    client.disconnect();
    expect(redisReason(e)).toMatch(/^Redis does not answer \(.+\)$/);
  });

  it('passes any other error on as it is', () => {
    expect(
      redisReason(new Error('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(redisReason('odd')).toBe('odd');
  });
});
