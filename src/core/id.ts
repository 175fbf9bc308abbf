/** A random id: 32 hex digits, 128 bits from `crypto.getRandomValues`. */
export const newId = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    (b | 256).toString(16).slice(1),
  ).join('');
