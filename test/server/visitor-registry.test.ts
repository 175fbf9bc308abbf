// @vitest-environment node
/** The visitor registry: a new visitor is held while its first hello fills it in, then stored whole. */
import { describe, expect, it } from 'vitest';
import { quietLogger } from '../../demo/server/log';
import { newStoredVisitor, type Store, type StoredVisitor } from '../../demo/server/store';
import { createRegistry } from '../../demo/server/visitor-registry';

function registryOver(insertVisitor: (v: StoredVisitor) => Promise<void>) {
  const stored = new Map<string, StoredVisitor>();
  const store = {
    insertVisitor: async (v: StoredVisitor) => {
      await insertVisitor(v);
      stored.set(v.id, { ...v });
    },
    loadState: async (id: string) => {
      const visitor = stored.get(id);
      return visitor && { visitor, conversation: undefined, lastMessage: null };
    },
  } as unknown as Store;
  const registry = createRegistry({
    store,
    log: quietLogger,
    presence: { activeWindowMs: 600_000, heartbeatMs: 30_000 },
    now: Date.now,
    onChange() {},
    isPending: () => false,
    onEvict() {},
  });
  return { registry, stored };
}

describe('the visitor registry', () => {
  it('stores a new visitor once, with what was filled in before, and no longer dirty', async () => {
    const { registry, stored } = registryOver(async () => {});
    const v = registry.fresh(newStoredVisitor('n1', 'hash', 1, 2));
    v.pageUrl = 'http://shop.test/';
    v.dirty = true;
    expect(stored.has('n1')).toBe(false);
    await registry.insert(v);
    expect(stored.get('n1')).toMatchObject({ id: 'n1', pageUrl: 'http://shop.test/' });
    expect(v.dirty).toBe(false);
    expect(await registry.get('n1')).toBe(v);
  });

  it('no longer holds a new visitor whose first write failed, so a retry starts afresh', async () => {
    let fail = true;
    const { registry, stored } = registryOver(async () => {
      if (fail) throw new Error('database down');
    });
    const v = registry.fresh(newStoredVisitor('n2', 'hash', 1, 2));
    await expect(registry.insert(v)).rejects.toThrow('database down');
    expect(registry.visitors.has('n2')).toBe(false);
    expect(await registry.get('n2')).toBeUndefined();
    fail = false;
    const again = registry.fresh(newStoredVisitor('n2', 'hash', 1, 2));
    expect(again).not.toBe(v);
    await registry.insert(again);
    expect(stored.has('n2')).toBe(true);
  });
});
