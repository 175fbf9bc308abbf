// bench/results/latest.json: every part merges its figures in, so a single part can be re-run
// (`npm run bench:server`) without losing the others; `npm run bench` rewrites it whole.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { collectEnv, renderEnv } from './env.mjs';
import { formatAs } from './format.mjs';

/** Path of the results file. */
export const LATEST = new URL('./results/latest.json', import.meta.url);

/** The results file's content, or `{}` before the first run. */
export function readResults() {
  return existsSync(LATEST) ? JSON.parse(readFileSync(LATEST, 'utf8')) : {};
}

/** Writes `results` as JSON, formatted the way `npm run lint` expects. */
export async function writeResults(results) {
  mkdirSync(new URL('./', LATEST), { recursive: true });
  writeFileSync(LATEST, await formatAs(LATEST, JSON.stringify(results), 'json'));
}

/** True when `meta` (a part's `import.meta`) is the script Node was started with. */
export const isMain = (meta) => process.argv[1] && meta.url == pathToFileURL(process.argv[1]).href;

/**
 * Runs one part on its own: measures, prints its tables, merges its figures into latest.json.
 * The environment is refreshed too, since the figures now come from this machine.
 */
export async function runPart(name, run, render) {
  const env = collectEnv();
  console.log(renderEnv(env) + '\n');
  const started = Date.now();
  const data = await run();
  console.log(render(data));
  const results = readResults();
  results.env = env;
  results[name] = { ...data, measuredAt: new Date().toISOString(), tookMs: Date.now() - started };
  await writeResults(results);
  console.log(
    `\n${name}: ${((Date.now() - started) / 1000).toFixed(1)} s; figures in bench/results/latest.json`,
  );
}
