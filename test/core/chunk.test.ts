// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createChunkLoader, type ChunkLoaderOptions } from '../../src/core/chunk';

const BASE = 'https://chat.example/dist/widget.js';

/** A loader whose imports fail `failures` times per chunk before they succeed. */
function setup(failures: number, over: Partial<ChunkLoaderOptions> = {}) {
  const urls: string[] = [];
  const failed: [string, unknown][] = [];
  const counts = new Map<string, number>();
  const chunk = createChunkLoader({
    base: BASE,
    random: () => 0.5,
    import: async (url) => {
      urls.push(url);
      const name = new URL(url).pathname.split('/').pop()!;
      const n = (counts.get(name) || 0) + 1;
      counts.set(name, n);
      if (n <= failures) throw new TypeError('Failed to fetch dynamically imported module: ' + url);
      return { name };
    },
    failed: (name, e) => failed.push([name, e]),
    ...over,
  });
  return { chunk, urls, failed };
}

describe('createChunkLoader', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('loads a chunk next to the widget script', async () => {
    const { chunk, urls, failed } = setup(0);
    expect(await chunk('chat.js')).toEqual({ name: 'chat.js' });
    expect(urls).toEqual(['https://chat.example/dist/chat.js']);
    expect(failed).toEqual([]);
  });

  it('reports the first failure once and retries with backoff until the chunk loads', async () => {
    const { chunk, urls, failed } = setup(3);
    let loaded: unknown;
    void chunk('ui.js').then((m) => (loaded = m));
    await vi.advanceTimersByTimeAsync(0);
    // Said 99 ms later: a load the page's going away cut off is never said.
    expect(failed).toEqual([]);
    await vi.advanceTimersByTimeAsync(99);
    expect(failed).toHaveLength(1);
    expect(failed[0]![0]).toBe('ui.js');
    expect(String(failed[0]![1])).toContain('Failed to fetch dynamically imported module');
    expect(urls).toHaveLength(1);
    // Backoff with random() = 0.5: 500 ms, then 1 s, then 2 s.
    await vi.advanceTimersByTimeAsync(400);
    expect(urls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(urls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(urls).toHaveLength(3);
    expect(loaded).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2000);
    expect(loaded).toEqual({ name: 'ui.js' });
    expect(failed).toHaveLength(1);
    // Each retry asks for a URL of its own: a browser may remember a failed module URL.
    expect(urls).toEqual([
      'https://chat.example/dist/ui.js',
      'https://chat.example/dist/ui.js?retry=1',
      'https://chat.example/dist/ui.js?retry=2',
      'https://chat.example/dist/ui.js?retry=3',
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(urls).toHaveLength(4);
  });

  it('retries at once when the browser comes back online', async () => {
    const win = new EventTarget() as unknown as Window;
    const { chunk, urls } = setup(1, { window: win, random: () => 0.99 });
    let loaded: unknown;
    void chunk('chat.js').then((m) => (loaded = m));
    await vi.advanceTimersByTimeAsync(0);
    expect(urls).toHaveLength(1);
    win.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(urls).toHaveLength(2);
    expect(loaded).toEqual({ name: 'chat.js' });
  });

  it('tells a caller that shows the load of every failed try, and tries again at once when asked', async () => {
    const { chunk, urls, failed } = setup(2, { random: () => 0.99 });
    const failing: Array<() => void> = [];
    let loaded: unknown;
    void chunk('form.js', (now) => failing.push(now)).then((m) => (loaded = m));
    await vi.advanceTimersByTimeAsync(0);
    expect(failing).toHaveLength(1);
    expect(urls).toHaveLength(1);
    // The visitor's Retry: no waiting for the backoff (990 ms here).
    failing[0]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(urls).toHaveLength(2);
    expect(failing).toHaveLength(2);
    failing[1]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(urls).toHaveLength(3);
    expect(loaded).toEqual({ name: 'form.js' });
    // Pressed again once loaded: nothing more is asked for.
    failing[1]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(urls).toHaveLength(3);
    expect(failing).toHaveLength(2);
    // The page was told once, as for any chunk.
    await vi.advanceTimersByTimeAsync(99);
    expect(failed).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(urls).toHaveLength(3);
  });

  it('keeps each chunk on its own schedule', async () => {
    const { chunk, failed } = setup(1);
    const done: string[] = [];
    void chunk('chat.js').then(() => done.push('chat.js'));
    void chunk('ui.js').then(() => done.push('ui.js'));
    await vi.advanceTimersByTimeAsync(99);
    expect(failed.map(([name]) => name)).toEqual(['chat.js', 'ui.js']);
    await vi.advanceTimersByTimeAsync(401);
    expect(done.sort()).toEqual(['chat.js', 'ui.js']);
  });

  it('reads no option from a polluted Object.prototype', async () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.window = {};
    proto.random = 'polluted';
    try {
      const { chunk, urls } = setup(1);
      let loaded: unknown;
      void chunk('chat.js').then((m) => (loaded = m));
      await vi.advanceTimersByTimeAsync(500);
      expect(urls).toHaveLength(2);
      expect(loaded).toEqual({ name: 'chat.js' });
    } finally {
      delete proto.window;
      delete proto.random;
    }
  });
});
