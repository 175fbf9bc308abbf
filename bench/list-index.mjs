// `npm run bench:list-index` — the agent list's index in process (demo/server/list-index.ts),
// at 10,000 and 100,000 online rows shaped like the cluster bench's synthetic crowd (product
// pages 0–999 in URLs and titles, some names, emails, countries and variables): per filter, the
// first page; per search, the search index against the scan it replaced (every row of the filter
// against its cached search text, as list-index.ts did before), both on the same rows in the
// same run. Prints its tables (no figures are merged into bench/results/latest.json: the
// cluster bench measures the list end to end).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rollup } from 'rollup';
import ts from 'typescript';
import { collectEnv, renderEnv } from './env.mjs';
import { num, table } from './markdown.mjs';
import { isMain } from './results.mjs';
import { median, percentile, round } from './stats.mjs';

const SIZES = (process.env.SIZES || '10000,100000').split(',').map(Number);
const QUERIES = 100;
const FILTERS = ['all', 'active', 'chatting', 'customers', 'auto-message', 'blocked'];
const LIMIT = 200;

const ENTRY = `
export { createListIndex, listBody, listBytes } from ${JSON.stringify(new URL('../demo/server/list-index', import.meta.url).pathname)};
export { searchText } from ${JSON.stringify(new URL('../demo/shared/visitor-list', import.meta.url).pathname)};
`;

/**
 * Bundles list-index.ts and the shared searchText (types stripped) to a temporary module and
 * imports it.
 */
export async function loadIndexModule() {
  const bundle = await rollup({
    input: 'entry',
    plugins: [
      {
        name: 'ts',
        resolveId(id, from) {
          if (id == 'entry') return id;
          if (id.startsWith('/')) return id + '.ts';
          return from && id.startsWith('.')
            ? new URL(id + '.ts', pathToFileURL(from)).pathname
            : null;
        },
        load: (id) => (id == 'entry' ? ENTRY : null),
        transform: (code, id) =>
          id == 'entry'
            ? null
            : ts.transpileModule(code, {
                fileName: id,
                compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
              }).outputText,
      },
    ],
  });
  const { output } = await bundle.generate({ format: 'es' });
  const dir = mkdtempSync(join(tmpdir(), 'list-index-bench-'));
  const file = join(dir, 'list-index.mjs');
  writeFileSync(file, output[0].code);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A deterministic random in [0, 1). */
export function seeded(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken'];
const COUNTRIES = [
  { code: 'DE', name: 'Germany' },
  { code: 'FR', name: 'France' },
  { code: 'CZ', name: 'Czechia' },
  null,
];
const STATUSES = ['unserved', 'served', 'triggered', 'active', 'idle'];

export function rowAt(i, random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const named = random() < 0.2;
  const chatting = random() < 0.1;
  const status = chatting ? pick(STATUSES.slice(0, 2)) : pick(STATUSES.slice(2));
  return {
    id: 'v' + i.toString(36).padStart(8, '0') + Math.floor(random() * 1e6).toString(36),
    name: named ? `${pick(NAMES)} ${pick(NAMES)}son` : null,
    email: named && random() < 0.5 ? `${pick(NAMES).toLowerCase()}${i}@mail.example` : null,
    phone: null,
    variables: random() < 0.1 ? { plan: pick(['free', 'pro', 'team']) } : {},
    variableLabels: {},
    online: true,
    active: status == 'active' || chatting,
    chatting,
    customer: named,
    verified: false,
    autoMessageReceived: status == 'triggered',
    blocked: random() < 0.01,
    status,
    visits: 1,
    pageViews: 1,
    currentPage: {
      url: `https://shop.example/products/${i % 1000}?s=${i}`,
      title: `Product ${i % 1000} – Acme shop`,
    },
    country: pick(COUNTRIES),
    firstSeenAt: 1_700_000_000_000 + i,
    visitStartedAt: 1_700_000_000_000 + i,
    lastActivityAt: 1_700_000_000_000 + i,
  };
}

/** The scan the index replaced: the filter's rows in order, each against its search text. */
function scanPage(list, needle, offset, limit) {
  const rows = [];
  let total = 0;
  for (const e of list) {
    if (!e.hay.includes(needle)) continue;
    if (total >= offset && rows.length < limit) rows.push(e.row);
    total++;
  }
  return { rows, total };
}

function time(fn) {
  const t0 = performance.now();
  const r = fn();
  return [performance.now() - t0, r];
}

const stats = (ms) => ({ p50: round(median(ms), 3), p95: round(percentile(ms, 95), 3) });

export async function run() {
  const { createListIndex, listBody, listBytes, searchText } = await loadIndexModule();
  const sizes = [];
  for (const size of SIZES) {
    const random = seeded(size);
    const rows = Array.from({ length: size }, (_, i) => rowAt(i, random));
    const index = createListIndex();
    const [loadMs] = time(() => index.load(rows.map((row) => ({ row, item: row }))));
    const heapMB = round(process.memoryUsage().heapUsed / 2 ** 20, 0);
    // The old scan's inputs, outside the timing (it cached each row's text).
    const sorted = Object.fromEntries(FILTERS.map((f) => [f, index.page(f, '', 0, size).rows]));
    // As the old index held them: an entry per row in arrival order, its search text made
    // (then cached) by the first search, in list order.
    const entries = new Map(rows.map((row) => [row, { row, hay: '' }]));
    const scanned = sorted.all.map((row) => entries.get(row));
    for (const e of scanned) e.hay = searchText(e.row);
    const filters = FILTERS.map((filter) => {
      const ms = [];
      for (let i = 0; i < QUERIES; i++) ms.push(time(() => index.page(filter, '', 0, LIMIT))[0]);
      return { query: filter, matched: sorted[filter].length, index: stats(ms) };
    });
    const searches = [
      ['product N (as bench:cluster)', (i) => `product ${i % 1000}`],
      ['an id', (i) => rows[(i * 7919) % size].id],
      ['a name', (i) => NAMES[i % NAMES.length].toLowerCase()],
      ['every row (shop.example)', () => 'shop.example'],
      ['nothing', (i) => `zz${i}qq`],
      ['two letters', (i) => ['ad', 'gr', 'de', 'pr'][i % 4]],
    ].map(([query, needleAt]) => {
      const idx = [];
      const old = [];
      let matched = 0;
      for (let i = 0; i < QUERIES; i++) {
        const needle = needleAt(i);
        const [a, got] = time(() => index.page('all', needle, 0, LIMIT));
        const [b, want] = time(() => scanPage(scanned, needle, 0, LIMIT));
        if (got.total != want.total || got.rows.some((r, k) => r !== want.rows[k]))
          throw new Error(`list-index: "${needle}" differs from the scan`);
        idx.push(a);
        old.push(b);
        matched += got.total;
      }
      return { query, matched: Math.round(matched / QUERIES), index: stats(idx), scan: stats(old) };
    });
    // The body of a first page: each row's JSON as a string joined, then measured and encoded
    // on the way out (as the cluster's list did), against each row's bytes kept and copied
    // (listBytes); the same rows in the same run.
    const counts = index.counts();
    const extra = { plan: 'pro', lastEventId: 'e/1-0/0' };
    const texts = new Map(rows.map((row) => [row, JSON.stringify(row)]));
    const kept = new Map(rows.map((row) => [row, Buffer.from(texts.get(row))]));
    const joined = [];
    const copied = [];
    for (let i = 0; i < QUERIES; i++) {
      const page = index.page('all', '', 0, LIMIT).rows;
      joined.push(
        time(() =>
          Buffer.from(
            listBody(
              page.map((r) => texts.get(r)),
              counts,
              size,
              0,
              extra,
            ),
          ),
        )[0],
      );
      copied.push(
        time(() =>
          listBytes(
            page.map((r) => kept.get(r)),
            counts,
            size,
            0,
            extra,
          ),
        )[0],
      );
    }
    const body = { joined: stats(joined), copied: stats(copied) };
    sizes.push({ size, loadMs: round(loadMs, 0), heapMB, filters, searches, body });
  }
  return { load: round(loadavg()[0]), sizes };
}

const ms = (s) => `${num(s.p50, 2)} / ${num(s.p95, 2)} ms`;

export function render(r) {
  const out = [
    '### List index',
    '',
    `In process, ${QUERIES} queries each, \`limit=${LIMIT}\` (the first page), one at a time; the search index and the old scan answer the same rows (checked on every query). Load average (1 min) ${r.load} at the end.`,
  ];
  for (const s of r.sizes) {
    out.push(
      '',
      `${s.size.toLocaleString('en')} online: loaded in ${s.loadMs} ms, heap ${s.heapMB} MB after loading.`,
      '',
      table(
        ['query (p50 / p95)', 'rows matched', 'old scan', 'index', 'scan ÷ index (p95)'],
        [
          ...s.filters.map((f) => [f.query, f.matched.toLocaleString('en'), '–', ms(f.index), '–']),
          ...(s.body
            ? [
                [
                  `page body (${LIMIT} rows): joined text → bytes`,
                  '–',
                  ms(s.body.joined),
                  ms(s.body.copied),
                  `${num(s.body.joined.p95 / s.body.copied.p95, 1)}×`,
                ],
              ]
            : []),
          ...s.searches.map((x) => [
            `search: ${x.query}`,
            x.matched.toLocaleString('en'),
            ms(x.scan),
            ms(x.index),
            `${num(x.scan.p95 / x.index.p95, 1)}×`,
          ]),
        ],
        'lrrrr',
      ),
    );
  }
  return out.join('\n');
}

if (isMain(import.meta)) {
  console.log(renderEnv(collectEnv()) + '\n');
  console.log(render(await run()));
}
