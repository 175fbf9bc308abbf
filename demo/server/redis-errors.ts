import type Redis from 'ioredis';

/**
 * An ioredis failure in an operator's words. With the offline queue off (every client here), a
 * command while the connection is down fails with "Stream isn't writeable and
 * enableOfflineQueue options is false", which names neither Redis nor the cause.
 */
export function redisReason(e: unknown): string {
  const message = (e as Error)?.message ?? String(e);
  // Redis answers, and wants a password (requirepass) or another one; its words are kept for
  // the second (they never hold the password).
  if (/^NOAUTH\b/.test(message))
    return 'Redis asks for a password, and REDIS_URL has none (redis://:password@host:6379)';
  if (/^WRONGPASS\b|^ERR invalid password/.test(message))
    return `Redis refused the user name or password of REDIS_URL (${message}); percent-encode its special characters`;
  return /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN/.test(
    message,
  )
    ? `Redis does not answer (${message})`
    : message;
}

/**
 * Connects ioredis clients made with `lazyConnect`. When one cannot, rejects with the cause
 * ioredis told as an `error` event (ECONNREFUSED, NOAUTH, WRONGPASS): its `connect()` rejects
 * with only "Connection is closed.".
 */
export async function connectRedis(...clients: Redis[]): Promise<void> {
  let cause: unknown;
  const note = (e: unknown) => void (cause ??= e);
  for (const c of clients) c.on('error', note);
  try {
    await Promise.all(clients.map((c) => c.connect()));
  } catch (e) {
    throw cause ?? e;
  } finally {
    for (const c of clients) c.off('error', note);
  }
}
