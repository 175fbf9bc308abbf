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
let readme = readFileSync('README.md', 'utf8');
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error('README.md has no sizes markers');
readme = readme.slice(0, i + start.length) + '\n' + table + '\n' + readme.slice(j);
// The Limitations section names widget.js's exact size and what is left of its budget: kept
// current with the table (it said 5,999 B, 1 B left, long after widget.js had shrunk).
const core = results.find((r) => r.name.includes('dist/widget.js'));
const figure = /is [\d,]+ B brotli, (within|over) DESIGN's 6 kB by [\d,]+ B/;
if (!core || !figure.test(readme)) throw new Error("README.md's widget.js figure is not found");
const spare = core.sizeLimit - core.size;
readme = readme.replace(
  figure,
  `is ${core.size.toLocaleString('en')} B brotli, ${spare >= 0 ? 'within' : 'over'} DESIGN's 6 kB by ${Math.abs(spare).toLocaleString('en')} B`,
);
writeFileSync('README.md', readme);
// Keep the README as the formatter wants it (aligned table columns).
execFileSync(process.execPath, [
  new URL('../node_modules/prettier/bin/prettier.cjs', import.meta.url).pathname,
  '--write',
  'README.md',
]);
console.log(table);
