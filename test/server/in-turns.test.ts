// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { inTurns } from '../../demo/server/in-turns';
import { until } from './helpers';

describe('a walk in turns', () => {
  it('reaches every item in order, its first slice at once, with other work run between slices', async () => {
    const seen: number[] = [];
    let between = -1;
    setImmediate(() => (between = seen.length));
    inTurns(
      Array.from({ length: 1000 }, (_, i) => i),
      (i) => seen.push(i),
      100,
    );
    expect(seen.length).toBe(100);
    await until(() => seen.length == 1000);
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(between).toBeGreaterThanOrEqual(100);
    expect(between).toBeLessThan(1000);
  });

  it('stops where it stands when stopped, the items as they were when it started', async () => {
    const items = new Set([1, 2, 3, 4, 5]);
    const seen: number[] = [];
    const stop = inTurns(items, (i) => seen.push(i), 2);
    items.add(6);
    await new Promise((r) => setImmediate(r));
    stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([1, 2, 3, 4]);
  });
});
