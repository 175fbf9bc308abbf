// `npm start`: builds dist/ when it is missing or older than the sources, then runs the reference
// server (dist/server.js, built from demo/server/). Settings come from the environment (the
// table in demo/server/README.md).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** Newest modification time under a folder (to know whether dist/ is stale). */
function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const outputs = ['widget.js', 'loader.js', 'server.js'].map((f) => join(dist, f));
const built = outputs.every(existsSync) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : 0;
const sources = Math.max(
  newest(join(root, 'src')),
  ...['server', 'agent', 'shared']
    .map((d) => join(root, 'demo', d))
    .filter(existsSync)
    .map(newest),
  statSync(join(root, 'rollup.config.mjs')).mtimeMs,
);
if (built < sources) {
  console.log('Building dist/ …');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}

await import(pathToFileURL(join(dist, 'server.js')).href);
