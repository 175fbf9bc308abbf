// @vitest-environment node
/**
 * A node whose REDIS_URL lacks the password Redis asks for, or has a wrong one, does not start,
 * and says which (ioredis rejects its connect with only "Connection is closed.", and the node
 * said "Redis does not answer": an operator looked for a network fault).
 */
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../helpers/postgres';
import { redisAvailable, startRedis, type TestRedis } from '../helpers/redis';
import { serve } from './helpers';

const postgres = usePostgres();
const withRedis = redisAvailable();
const PASSWORD = 'redis-secret-42';
let redis: TestRedis | undefined;
beforeAll(async () => {
  if (!withRedis) return;
  redis = await startRedis();
  const admin = new Redis(redis.url);
  await admin.config('SET', 'requirepass', PASSWORD);
  admin.disconnect();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});

describe.runIf(postgres.available && withRedis)('REDIS_URL and a Redis with a password', () => {
  const start = async (redisUrl: string) =>
    serve({ databaseUrl: await postgres.server().freshDatabase(), redisUrl }).then(
      async (s) => {
        await s.close();
        return 'started';
      },
      (e: Error) => e.message,
    );
  const withPassword = (password: string) =>
    redis!.url.replace('redis://', `redis://:${encodeURIComponent(password)}@`);

  it('says the password is missing', async () => {
    expect(await start(redis!.url)).toMatch(/^REDIS_URL: Redis asks for a password/);
  });

  it('says the password was refused, without repeating it', async () => {
    const said = await start(withPassword('not-the-one'));
    expect(said).toMatch(/^REDIS_URL: Redis refused the user name or password/);
    expect(said).not.toContain('not-the-one');
  });

  it('starts with the right one', async () => {
    expect(await start(withPassword(PASSWORD))).toBe('started');
  });
});
