import { describe, expect, it, vi } from 'vitest';
import { createGate } from '../../src/core/gate';
import { flush } from '../helpers/widget';

/** A load the test resolves or rejects by hand, counting its calls. */
function deferredLoad() {
  const calls: Array<{ resolve(m: string): void; reject(e: unknown): void }> = [];
  const load = vi.fn(
    () => new Promise<string>((resolve, reject) => void calls.push({ resolve, reject })),
  );
  return { load, calls };
}

describe('createGate', () => {
  it('runs calls that do not need the module at once while nothing waits, without loading it', () => {
    const { load } = deferredLoad();
    const gate = createGate(load, vi.fn());
    const seen: string[] = [];
    gate.after(() => seen.push('a'));
    expect(seen).toEqual(['a']);
    expect(load).not.toHaveBeenCalled();
  });

  it('queues everything behind a call that needs the module and runs it in order once loaded', async () => {
    const { load, calls } = deferredLoad();
    const gate = createGate(load, vi.fn());
    const seen: string[] = [];
    gate.after(() => seen.push('before'));
    gate.need((m) => seen.push('need 1 ' + m));
    gate.after(() => seen.push('after 1'));
    gate.need((m) => {
      seen.push('need 2 ' + m);
      // What a queued call asks for lands behind the rest, not in front of it.
      gate.after(() => seen.push('queued by need 2'));
    });
    gate.after(() => seen.push('after 2'));
    expect(seen).toEqual(['before']);
    expect(load).toHaveBeenCalledTimes(1);
    calls[0].resolve('M');
    await flush();
    expect(seen).toEqual([
      'before',
      'need 1 M',
      'after 1',
      'need 2 M',
      'after 2',
      'queued by need 2',
    ]);
    // Loaded and nothing waits: both kinds run at once.
    gate.need((m) => seen.push('now ' + m));
    gate.after(() => seen.push('now'));
    expect(seen.slice(-2)).toEqual(['now M', 'now']);
    expect(gate.get()).toBe('M');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('warns about a failed load and loads again for the next call that needs the module, losing nothing', async () => {
    const { load, calls } = deferredLoad();
    const warn = vi.fn();
    const gate = createGate(load, warn);
    const seen: string[] = [];
    gate.need((m) => seen.push('first ' + m));
    gate.after(() => seen.push('light'));
    calls[0].reject(new Error('offline'));
    await flush();
    expect(warn).toHaveBeenCalledWith('a module failed to load: Error: offline');
    expect(seen).toEqual([]);
    expect(gate.get()).toBeUndefined();
    gate.need((m) => seen.push('second ' + m));
    expect(load).toHaveBeenCalledTimes(2);
    calls[1].resolve('M');
    await flush();
    expect(seen).toEqual(['first M', 'light', 'second M']);
  });

  it('warns about a queued call that throws and runs the rest', async () => {
    const { load, calls } = deferredLoad();
    const warn = vi.fn();
    const gate = createGate(load, warn);
    const seen: string[] = [];
    gate.need(() => {
      throw new Error('bad');
    });
    gate.after(() => seen.push('next'));
    calls[0].resolve('M');
    await flush();
    expect(warn).toHaveBeenCalledWith('failed: Error: bad');
    expect(seen).toEqual(['next']);
  });
});
