// @vitest-environment node
/**
 * The running node's schema check (server.ts) when the database does not answer it: an outage,
 * not an upgrade, so the node keeps serving; a newer version read afterwards still stops it.
 */
import { describe, expect, it, vi } from 'vitest';
import { MIGRATIONS } from '../../demo/server/migrations';
import type { Store } from '../../demo/server/store';
import { recordingLogger, serve, until } from './helpers';

/** What the next schema checks answer: a version, or a failure. */
const answers: (number | Error)[] = [];
let asked = 0;

vi.mock('../../demo/server/open-store', async (original) => {
  const real = await original<typeof import('../../demo/server/open-store')>();
  return {
    openStore: async (o: Parameters<typeof real.openStore>[0]): Promise<Store> => {
      const store = await real.openStore(o);
      store.schemaVersion = async () => {
        asked++;
        const a = answers.length > 1 ? answers.shift()! : answers[0]!;
        if (a instanceof Error) throw a;
        return a;
      };
      return store;
    },
  };
});

describe('the schema check of a running server', () => {
  it('does not stop the node when the database does not answer it, only on a newer version', async () => {
    answers.splice(0, answers.length, new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const log = recordingLogger();
    const server = await serve({ log, schemaCheckMs: 20 });
    let closes = 0;
    const close = server.close.bind(server);
    server.close = () => {
      closes++;
      return close();
    };
    await until(() => asked >= 5);
    expect(closes).toBe(0);
    expect((await fetch(server.url + '/healthz')).status).toBe(200);
    expect(log.lines.filter((l) => l.includes('schema version'))).toEqual([]);
    // The same version (what this server migrated to) is nothing either.
    answers.splice(0, answers.length, MIGRATIONS.length);
    const before = asked;
    await until(() => asked >= before + 3);
    expect(closes).toBe(0);
    answers.splice(0, answers.length, MIGRATIONS.length + 2);
    await until(() => closes == 1);
    expect(log.lines).toContain(
      `ERROR sqlite: the database was migrated to schema version ${MIGRATIONS.length + 2} by a newer release (this server knows ${MIGRATIONS.length}): stopping`,
    );
  });
});
