/**
 * A running Postgres node whose database a newer release migrates (DEPLOY.md, "Upgrades and
 * rollbacks"): its schema check (every 10 s) reads the newer version, it says so in one line,
 * stops as on SIGTERM and exits 1, so a process manager restarts it, and the restart refuses the
 * newer schema. Only the version moves here: what a newer release's migration adds is its own.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PG_MIGRATIONS } from '../../demo/server/migrations-postgres';
import { usePostgres } from '../helpers/postgres';
import { visit } from '../server/helpers';
import { runNode, startNode } from './node-process';

const postgres = usePostgres();
const AGENT_TOKEN = 'schema-upgrade-agent-token-0123456789';

describe.runIf(postgres.available)('a node whose database a newer release migrates', () => {
  it('stops, exits 1 with one line, and its restart refuses the newer schema', async () => {
    const url = await postgres.server().freshDatabase();
    const node = await startNode({ DATABASE_URL: url, AGENT_TOKEN });
    const known = PG_MIGRATIONS.length;
    try {
      const { c } = await visit(node.url);
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      await db.query('INSERT INTO schema_version (version, migrated_at) VALUES ($1, $2)', [
        known + 1,
        Date.now(),
      ]);
      await db.end();
      const migrated = Date.now();
      const exited = await Promise.race([
        node.exited,
        new Promise((r) => setTimeout(() => r('still running after 30 s'), 30_000)),
      ]);
      expect(exited).toBe(1);
      expect((await c.closed).code).toBe(1012);
      // Checked every 10 s, then stopped within the 9 s a stop may take (and slack for a busy CI).
      expect(Date.now() - migrated).toBeLessThan(25_000);
      const lines = node.output().split('\n');
      expect(lines.filter((l) => /newer release/.test(l))).toHaveLength(1);
      expect(lines.find((l) => /newer release/.test(l))).toMatch(
        `postgres: the database was migrated to schema version ${known + 1} by a newer release (this server knows ${known}): stopping`,
      );
      expect(node.output()).not.toMatch(/uncleanly/);
    } finally {
      // Without the check it would run on: not left behind by a failing test.
      if (node.proc.exitCode == null) node.proc.kill('SIGKILL');
    }
    const again = await runNode({ DATABASE_URL: url, AGENT_TOKEN });
    expect(again.code).toBe(1);
    expect(again.out).toContain(
      `visitor-chat: cannot start: DATABASE_URL: the database is at schema version ${known + 1}, newer than this server (${known})`,
    );
  }, 60_000);
});
