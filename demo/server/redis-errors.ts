/**
 * An ioredis failure in an operator's words. With the offline queue off (every client here), a
 * command while the connection is down fails with "Stream isn't writeable and
 * enableOfflineQueue options is false", which names neither Redis nor the cause.
 */
export function redisReason(e: unknown): string {
  const message = (e as Error)?.message ?? String(e);
  return /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN/.test(
    message,
  )
    ? `Redis does not answer (${message})`
    : message;
}
