/**
 * A random id: four 32-bit numbers from `crypto.getRandomValues`, in decimal, joined by `-`
 * (128 bits, e.g. `3141592653-271828182-845904523-536028747`). Fewer bytes than hex digits.
 */
export const newId = (): string => crypto.getRandomValues(new Uint32Array(4)).join('-');
