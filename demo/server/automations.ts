/**
 * The site's automations at run time: read from the store (the one source every node shares),
 * written through it, and reloaded whenever the store's automations revision moves — at once
 * after a write on this node, within `pollMs` after a write on another. Each reload that changes
 * the auto-message rules calls `onRules`, which sends them to the online widgets.
 */
import { nanoid } from 'nanoid';
import type { AutoMessageRule } from '../../src/core/rules';
import {
  parseAutomation,
  refuseNew,
  toRule,
  type AutoMessage,
  type Automation,
  type Bot,
} from './automation';
import type { Logger } from './log';
import type { Store, StoredAutomation } from './store';

/** What the automations need. */
export interface AutomationsOptions {
  store: Store;
  log: Logger;
  now: () => number;
  /** How often the store's revision is checked for other nodes' writes (default 1 s). */
  pollMs?: number;
  /** The enabled auto messages' rules changed: `rulesFor` gives a visitor's, by its country. */
  onRules(rulesFor: (country: string | null) => AutoMessageRule[]): void;
}

/** The automations; see {@link createAutomations}. */
export type Automations = Awaited<ReturnType<typeof createAutomations>>;

/** An automation as stored: validated body, id, kind and enabled in their columns. */
function toStored(a: Automation, createdAt: number, updatedAt: number): StoredAutomation {
  const { id, kind, enabled, ...body } = a;
  return { id, kind, enabled, body: JSON.stringify(body), createdAt, updatedAt };
}

/** Loads the automations (seeding `seed` into a database that never had any) and starts polling. */
export async function createAutomations(o: AutomationsOptions, seed: unknown[] = []) {
  const { store, log } = o;
  let list: Automation[] = [];
  let created = new Map<string, number>();
  let revision = -1;
  let rules: AutoMessageRule[] = [];
  /** The countries of each rule that has them (the others go to every visitor). */
  let countries = new Map<string, Set<string>>();
  let rulesJson = '[]';

  const t0 = o.now();
  const seeded: StoredAutomation[] = [];
  seed.forEach((raw, i) => {
    const { id, ...rest } = raw as { id?: unknown };
    const a = typeof id == 'string' ? parseAutomation(rest, id) : 'id must be a string';
    if (typeof a == 'string') log.warn(`demo automation #${i} skipped: ${a}`);
    else seeded.push(toStored(a, t0 + i, t0 + i));
  });
  if (await store.seedAutomations(seeded))
    log.info(`automations: a new database, ${seeded.length} examples added`);

  /** Reads every automation again when the revision moved; true when it did. */
  async function reload(): Promise<boolean> {
    const rev = await store.automationsRevision();
    if (rev == revision) return false;
    const rows = await store.listAutomations();
    const next: Automation[] = [];
    const times = new Map<string, number>();
    for (const r of rows) {
      let body: unknown;
      try {
        body = { ...JSON.parse(r.body), kind: r.kind, enabled: r.enabled };
      } catch {
        body = undefined;
      }
      const a = parseAutomation(body, r.id);
      if (typeof a == 'string') log.warn(`automation ${r.id}: stored data skipped (${a})`);
      else {
        next.push(a);
        times.set(a.id, r.createdAt);
      }
    }
    list = next;
    created = times;
    revision = rev;
    const on = list.filter((a): a is AutoMessage => a.kind == 'auto-message' && a.enabled);
    rules = on.map(toRule);
    countries = new Map(on.flatMap((a) => (a.country ? [[a.id, new Set(a.country)]] : [])));
    const json = JSON.stringify([rules, on.map((a) => a.country)]);
    if (json != rulesJson) {
      rulesJson = json;
      o.onRules(rulesFor);
    }
    return true;
  }

  /** The rules a visitor in `country` (null: unknown) gets. */
  function rulesFor(country: string | null): AutoMessageRule[] {
    if (!countries.size) return rules;
    return rules.filter((r) => {
      const only = countries.get(r.id);
      return !only || (country != null && only.has(country));
    });
  }

  await reload();
  let polling = false;
  /** Whether the last poll failed: an outage is logged when it starts and when it ends, not every poll. */
  let failing = false;
  const poller = setInterval(() => {
    if (polling) return;
    polling = true;
    reload()
      .then(
        () => failing && ((failing = false), log.info('automations: reloading again')),
        (e) => {
          if (!failing) log.warn('automations: reload failed (retrying every poll): ' + String(e));
          failing = true;
        },
      )
      .finally(() => (polling = false));
  }, o.pollMs ?? 1000);
  poller.unref();

  /**
   * Writes `a` and reloads, so the answer and the widgets see the change at once. One flow at
   * most greets new conversations: a flow saved as the greeting takes it from any other (which
   * stays as it was otherwise), so the flow the site owner just marked is the one that answers.
   */
  async function save(a: Automation): Promise<Automation> {
    const t = o.now();
    if (a.kind == 'bot' && a.greeting)
      for (const other of list)
        if (other.kind == 'bot' && other.greeting && other.id != a.id) {
          const { greeting: _, ...rest } = other;
          await store.saveAutomation(toStored(rest, created.get(other.id) ?? t, t));
        }
    await store.saveAutomation(toStored(a, created.get(a.id) ?? t, t));
    await reload();
    return list.find((x) => x.id == a.id) ?? a;
  }

  return {
    /** Every automation, oldest first. */
    all: () => list,
    get: (id: string) => list.find((a) => a.id == id),
    /** The enabled auto messages as widget rules (welcome.rules) for a visitor in `country`. */
    rules: rulesFor,
    /** The enabled flow with this id (a conversation's bot), if any. */
    bot: (id: string) => list.find((a): a is Bot => a.kind == 'bot' && a.enabled && a.id == id),
    /** The enabled flow marked as the greeting of new conversations (one at most is marked). */
    greeting: () => list.find((a): a is Bot => a.kind == 'bot' && a.enabled && !!a.greeting),
    /** Validates and stores a new automation; a message naming the wrong field when invalid. */
    async create(raw: unknown): Promise<Automation | string> {
      const a = parseAutomation(raw, nanoid(12));
      return typeof a == 'string' ? a : (refuseNew(a) ?? save(a));
    },
    /** Replaces automation `id` (which must exist) with `raw`. */
    async replace(id: string, raw: unknown): Promise<Automation | string> {
      const a = parseAutomation(raw, id);
      return typeof a == 'string' ? a : (refuseNew(a) ?? save(a));
    },
    /** Switches automation `id` (which must exist) on or off. */
    setEnabled: (a: Automation, enabled: boolean) => save({ ...a, enabled }),
    /** Deletes automation `id`; false when there was none. */
    async remove(id: string): Promise<boolean> {
      const gone = await store.deleteAutomation(id);
      await reload();
      return gone;
    },
    /** Checks the store now (tests, and a node that wants to be current at once). */
    reload,
    close() {
      clearInterval(poller);
    },
  };
}
