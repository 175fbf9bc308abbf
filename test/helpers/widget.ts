import { vi } from 'vitest';
import { createWidget, type WidgetOptions } from '../../src/core/widget';
import { createMemoryStore, type KeyValueStore } from '../../src/core/storage';
import { createMemoryTransport, type MemoryTransport } from '../../src/transport/memory';
import type { ClientFrame } from '../../src/protocol';

/** A memory store that records every write, to prove what reached the device. */
export function createSpyStore(): KeyValueStore & { writes: string[]; data: Map<string, unknown> } {
  const inner = createMemoryStore();
  const data = new Map<string, unknown>();
  const writes: string[] = [];
  return {
    writes,
    data,
    get: (k) => inner.get(k),
    async set(k, v) {
      writes.push(k);
      data.set(k, v);
      await inner.set(k, v);
    },
    async del(k) {
      data.delete(k);
      await inner.del(k);
    },
  };
}

/** Lets queued microtasks and zero-delay timers run (works with and without fake timers). */
export async function flush(times = 5) {
  for (let i = 0; i < times; i++) {
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(0);
    else await new Promise((r) => setTimeout(r, 0));
  }
}

/** A headless widget on the memory transport and a memory store, with warnings captured. */
export function setup(options: Partial<WidgetOptions> & { transport?: MemoryTransport } = {}) {
  const transport = options.transport || createMemoryTransport();
  const storage = options.storage || createSpyStore();
  const logger = { warn: vi.fn() };
  const widget = createWidget({
    key: 'test-key',
    ui: false,
    logger,
    ...options,
    transport,
    storage,
  });
  const frames = (t?: ClientFrame['t']) => transport.server.received.filter((f) => !t || f.t == t);
  const warnings = () => logger.warn.mock.calls.map((c) => String(c[0]));
  return { widget, transport, server: transport.server, storage, logger, frames, warnings };
}

/**
 * `setup` that destroys every widget it made after each test: pass vitest's `afterEach`.
 * @example const make = trackWidgets(afterEach);
 */
export function trackWidgets(afterEach: (fn: () => void) => void) {
  const widgets: Array<{ destroy(): void }> = [];
  afterEach(() => widgets.splice(0).forEach((w) => w.destroy()));
  return (...args: Parameters<typeof setup>) => {
    const s = setup(...args);
    widgets.push(s.widget);
    return s;
  };
}
