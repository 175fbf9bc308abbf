// Rewrites the README's "Benchmarks" section (between `<!-- bench:start -->` and
// `<!-- bench:end -->`) from bench/results/latest.json, so the figures there are generated,
// never typed by hand. Creates the section right after "Sizes" the first time.
// Run by `npm run bench` at the end, or alone: `npm run bench:readme`.
import { readFileSync, writeFileSync } from 'node:fs';
import { render as renderActivity } from './activity.mjs';
import { render as renderAgentPage } from './agent-page.mjs';
import { render as renderBytes } from './bytes.mjs';
import { render as renderCluster } from './cluster.mjs';
import { renderEnv } from './env.mjs';
import { formatAs } from './format.mjs';
import { render as renderHostPage } from './host-page.mjs';
import { render as renderLongChat } from './long-chat.mjs';
import { isMain, readResults } from './results.mjs';
import { render as renderServer } from './server.mjs';
import { renderTargets } from './targets.mjs';

const README = new URL('../README.md', import.meta.url);
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** The section's generated body from the results. */
export function renderSection(results) {
  const parts = [
    ['bytes', renderBytes],
    ['hostPage', renderHostPage],
    ['longChat', renderLongChat],
    ['activity', renderActivity],
    ['server', renderServer],
    ['agentPage', renderAgentPage],
    ['cluster', renderCluster],
  ];
  const when = [
    ...new Set(parts.map(([k]) => results[k]?.measuredAt?.slice(0, 10)).filter(Boolean)),
  ];
  const total = results.totalMs
    ? `, the whole run took ${Math.round(results.totalMs / 1000)} s`
    : '';
  return [
    'Measured by `npm run bench` (builds `dist/` if it is missing, then a few minutes; ' +
      'one part alone: `npm run bench:bytes`, `bench:host-page`, `bench:activity`, ' +
      '`bench:server`, `bench:agent-page`, `bench:long-chat`; the cluster figures come from ' +
      '`npm run bench:cluster` alone and are kept by `npm run bench`; `npm run bench:list-index` prints ' +
      'the list index in process, search index against scan and a page body joined against copied, and keeps no figures; ' +
      '`node bench/cluster-tail.mjs` puts two server builds side by side on one big shared list, with their event-loop delay and GC). It prints these tables, writes the figures to ' +
      '`bench/results/latest.json` and regenerates this section from it. Measured on ' +
      `${when.join(', ') || '–'}${total}, on:`,
    '',
    results.env ? renderEnv(results.env) : '(no environment recorded)',
    '',
    renderTargets(results),
    ...parts.flatMap(([k, render]) => (results[k] ? ['', render(results[k])] : [])),
  ].join('\n');
}

/** Rewrites the section in README.md (read just before writing: others edit it too). */
export async function updateReadme(results = readResults()) {
  const section = (await formatAs(README, renderSection(results), 'markdown')).trim();
  const body = `${START}\n\n${section}\n\n${END}`;
  const readme = readFileSync(README, 'utf8');
  const i = readme.indexOf(START);
  const j = readme.indexOf(END);
  let next;
  if (i >= 0 && j > i) next = readme.slice(0, i) + body + readme.slice(j + END.length);
  else {
    // First run: a "Benchmarks" section right after "Sizes" (before the next `## ` heading).
    const sizes = readme.indexOf('\n## Sizes');
    if (sizes < 0) throw new Error('README.md has no "## Sizes" section to put Benchmarks after');
    const after = readme.indexOf('\n## ', sizes + 1);
    const at = after < 0 ? readme.length : after + 1;
    next = readme.slice(0, at) + `## Benchmarks\n\n${body}\n\n` + readme.slice(at);
  }
  writeFileSync(README, next);
}

if (isMain(import.meta)) {
  await updateReadme();
  console.log('README.md: Benchmarks section regenerated from bench/results/latest.json');
}
