/**
 * `node dist/server.js` (what `npm start` runs): reads the settings from the environment
 * (docs/AGENT-API.md; demo/server/README.md), starts the server, prints the two URLs, and stops
 * cleanly on SIGINT / SIGTERM.
 */
import { fileURLToPath } from 'node:url';
import { misspelledSettings, readSettings, settingWarnings, type Settings } from './config';
import { copySqliteToPostgres, describeCopy } from './copy-sqlite';
import { startServer, type RunningServer } from './server';

// First: a misspelt setting may be why what follows fails (REDIS_URL without DATABSE_URL).
try {
  for (const w of misspelledSettings(process.env)) console.warn(`visitor-chat: ${w}`);
} catch {
  // Only a hint: the settings' own check below says what is wrong.
}

let settings: Settings;
try {
  settings = readSettings(process.env);
} catch (e) {
  console.error(`visitor-chat: ${(e as Error).message}`);
  process.exit(2);
}

if (process.argv[2] == 'copy-sqlite') {
  const file = process.argv[3] || settings.db;
  if (!settings.databaseUrl) {
    console.error('visitor-chat: copy-sqlite needs DATABASE_URL (the Postgres database to fill)');
    process.exit(2);
  }
  try {
    const report = await copySqliteToPostgres(file, settings.databaseUrl, settings.uploadDir);
    console.log(`visitor-chat: copied ${file} into Postgres:`);
    for (const line of describeCopy(report)) console.log(`  ${line}`);
    process.exit(0);
  } catch (e) {
    console.error(`visitor-chat: copy-sqlite: ${(e as Error).message}`);
    process.exit(1);
  }
} else if (process.argv[2]) {
  console.error(
    `visitor-chat: unknown command ${JSON.stringify(process.argv[2])} (known: copy-sqlite)`,
  );
  process.exit(2);
}

// Risky but working settings (TRUST_PROXY=1 on a node reachable beyond loopback).
for (const w of settingWarnings(settings)) console.warn(`visitor-chat: warning: ${w}`);

// This file is built to dist/server.js: the project root is one level up.
const root = fileURLToPath(new URL('..', import.meta.url));

let server: RunningServer | undefined;
let stopping = false;
/**
 * Stops as on SIGTERM: exits 0 only when everything pending was written, and `code` (1) anyway
 * when the stop was forced on the node (a newer release migrated the database).
 */
const stop = (reason: string | undefined, code = 0) => {
  if (stopping || !server) process.exit(1);
  stopping = true;
  if (reason) console.log(`${reason}: stopping…`);
  // DESIGN.md §8: exit within 10 s whatever hangs (a database that does not answer).
  setTimeout(() => {
    console.error(
      'visitor-chat: could not stop cleanly within 9 s (the database or Redis did not answer): what was pending may not be written',
    );
    process.exit(1);
  }, 9000).unref();
  // Exit 0 only when everything pending was written: a process manager (and whoever reads its
  // status) must not take a stop that lost writes for a clean one.
  server.close().then(
    (unfinished) => {
      if (unfinished.length == 0) process.exit(code);
      console.error(`visitor-chat: stopped uncleanly: ${unfinished.join('; ')}`);
      process.exit(1);
    },
    () => process.exit(1),
  );
};

try {
  // A newer release migrated the database under this node (its log line says so): it stops and
  // exits 1, so that a process manager restarts it, and the restart refuses the newer schema.
  server = await startServer({ ...settings, root, onSchemaNewer: () => stop(undefined, 1) });
  const s = server.settings;
  const db = s.databaseUrl ? 'Postgres' : s.db;
  const presence = s.redisUrl ? 'Redis' : 'memory';
  console.log(
    `visitor-chat reference server (plan ${s.plan}, database ${db}, presence ${presence}, node ${s.nodeId})`,
  );
  console.log(`  Demo site:  ${server.url}/`);
  console.log(`  Agent page: ${server.agentUrl}`);
  if (!process.env.AGENT_TOKEN?.trim())
    console.log('  (AGENT_TOKEN was not set: this token is new; set AGENT_TOKEN to keep one.)');
  console.log('Press Ctrl+C to stop.');
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  if (err.code == 'EADDRINUSE' || err.code == 'EACCES' || err.code == 'EADDRNOTAVAIL')
    console.error(
      `visitor-chat: cannot listen on ${settings.host}:${settings.port} (${err.code}). Set PORT to a free port or HOST to a local address.`,
    );
  else console.error(`visitor-chat: cannot start: ${err.message}`);
  process.exit(1);
}
