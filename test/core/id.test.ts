// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/id';

describe('newId', () => {
  it('makes four 32-bit numbers (128 bits), a valid vid and cid, never the same twice', () => {
    const ids = Array.from({ length: 2000 }, newId);
    for (const id of ids) {
      // The vid check of stored identities (8–64 of [A-Za-z0-9_-]) and the server's id check.
      expect(id).toMatch(/^\d{1,10}(-\d{1,10}){3}$/);
      expect(id.length).toBeGreaterThanOrEqual(8);
      expect(id.length).toBeLessThanOrEqual(64);
    }
    expect(new Set(ids).size).toBe(ids.length);
    // Each of the four numbers spans the whole 32-bit range over 2,000 ids: none is lost or
    // fixed (every bit is seen both set and clear).
    for (let part = 0; part < 4; part++) {
      const values = ids.map((id) => Number(id.split('-')[part]));
      for (const v of values) expect(v).toBeLessThan(2 ** 32);
      for (let bit = 0; bit < 32; bit++) {
        const set = values.filter((v) => Math.floor(v / 2 ** bit) % 2 == 1).length;
        expect(set).toBeGreaterThan(0);
        expect(set).toBeLessThan(values.length);
      }
    }
  });
});
