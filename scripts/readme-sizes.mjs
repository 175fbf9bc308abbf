// Rewrites the README's size table from size-limit's own measurement, so the figures in the
// README are generated, never typed by hand. Run after `npm run build`: `npm run size:readme`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const bin = new URL('../node_modules/size-limit/bin.js', import.meta.url).pathname;
const out = execFileSync(process.execPath, [bin, '--config', 'size-limit.json', '--json'], {
  encoding: 'utf8',
});
const results = JSON.parse(out.slice(out.indexOf('[')));
const fmt = (bytes) => (bytes < 1000 ? bytes + ' B' : (bytes / 1000).toFixed(2) + ' kB');
const rows = results.map(
  (r) =>
    `| ${r.name} | ${fmt(r.size)} | ${fmt(r.sizeLimit)} ${r.passed ? '✓' : '**over budget**'} |`,
);
const table = ['| artefact | size | budget |', '| --- | --- | --- |', ...rows].join('\n');
const start = '<!-- sizes:start -->';
const end = '<!-- sizes:end -->';
const readme = readFileSync('README.md', 'utf8');
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error('README.md has no sizes markers');
writeFileSync(
  'README.md',
  readme.slice(0, i + start.length) + '\n' + table + '\n' + readme.slice(j),
);
// Keep the README as the formatter wants it (aligned table columns).
execFileSync(process.execPath, [
  new URL('../node_modules/prettier/bin/prettier.cjs', import.meta.url).pathname,
  '--write',
  'README.md',
]);
console.log(table);
