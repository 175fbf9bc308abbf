// Makes sure the built files the benchmarks measure exist: runs `npm run build` when one is
// missing (a fresh clone after `npm install`). A stale dist/ is used as is: run the build
// yourself after changing src/.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Project root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** dist/ of the project. */
export const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

const NEEDED = [
  'snippet.js',
  'loader.js',
  'widget.js',
  'chat.js',
  'http.js',
  'ui.js',
  'files.js',
  'form.js',
  'agent.js',
  'server.js',
];

/** Builds once if any file the benchmarks need is missing from dist/. */
export function ensureBuilt() {
  const missing = NEEDED.filter((f) => !existsSync(DIST + f));
  if (!missing.length) return;
  console.error(`dist/ lacks ${missing.join(', ')}: running npm run build…`);
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2], timeout: 300_000 });
}
