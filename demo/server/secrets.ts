/** Tokens, constant-time comparisons and the `userHash` check (research/reliability.md §4.3). */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random token (visitor or agent): 32 bytes, base64url. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** SHA-256 of a token, hex: what the database keeps, so a leaked file leaks no token. */
export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

/**
 * Compares two strings in constant time. Both are hashed first, so the buffers always have the
 * same length and the comparison leaks neither the content nor the length.
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(a).digest(),
    createHash('sha256').update(b).digest(),
  );
}

/** True when `hash` is hex HMAC-SHA256(secret, subject), compared with timingSafeEqual. */
export function checkUserHash(secret: string, subject: string, hash: string): boolean {
  const expected = createHmac('sha256', secret).update(subject).digest();
  const given = /^[0-9a-f]{64}$/i.test(hash) ? Buffer.from(hash, 'hex') : undefined;
  // Equal lengths are required by timingSafeEqual; a wrong length is simply wrong.
  return !!given && given.length == expected.length && timingSafeEqual(given, expected);
}
