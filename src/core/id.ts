/**
 * A random id (the visitor id, the chat layer's client ids): 32 hex digits, 128 bits from
 * `crypto.getRandomValues`. nanoid's 21 characters carry 126; its 64-character alphabet cost
 * the pre-`load` bundle about 80 B brotli.
 */
export const newId = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    (b | 256).toString(16).slice(1),
  ).join('');
