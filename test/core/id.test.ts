// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/id';

describe('newId', () => {
  it('makes 32 hex digits (128 bits), never the same twice', () => {
    const ids = Array.from({ length: 2000 }, newId);
    for (const id of ids) expect(id).toMatch(/^[\da-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every digit shows up in every position over 2,000 ids: no byte is lost or fixed.
    for (let i = 0; i < 32; i++) expect(new Set(ids.map((id) => id[i])).size).toBe(16);
  });
});
