// Part 1 — bytes: raw, gzip and brotli of each built file, and which code makes up each bundle.
//
// Attribution: a bench-only rollup build of each bundle (the project's own rollup.config.mjs
// entries, generated in memory, nothing written) reports every module's `renderedLength`, the
// bytes it contributes after tree-shaking and before minification. Each group's share of those
// bytes is applied to the file's brotli size. It is an approximation: minification and
// compression do not shrink every module equally (Preact's hand-tuned code shrinks less than
// commented TypeScript), so read the shares as ±a few percent.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import { DIST, ROOT, ensureBuilt } from './dist.mjs';
import { bytes, table } from './markdown.mjs';
import { isMain, runPart } from './results.mjs';

/** The files measured, with what they are. */
export const FILES = [
  ['snippet.js', 'paste-in snippet'],
  ['widget.js', 'core, loads before `load`'],
  ['chat.js', 'chat layer, after `load`'],
  ['conversation.js', 'conversation, when one starts'],
  ['rules.js', 'auto messages, once there are rules'],
  ['http.js', 'HTTP transport (opt-in)'],
  ['ui.js', 'UI, Preact included'],
  ['files.js', 'file layer, with the window'],
  ['form.js', 'contact form, when it could be needed'],
  ['agent.js', 'agent Visitors page'],
];

const brotli = (buf) =>
  brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const gzip = (buf) => gzipSync(buf, { level: 9 }).length;

/** Raw, gzip and brotli bytes of a dist/ file. */
function sizes(file) {
  const buf = readFileSync(DIST + file);
  return { raw: buf.length, gzip: gzip(buf), brotli: brotli(buf) };
}

/** A module id's group: its npm package, or its source folder (`src/core`, `demo/agent`). */
function group(id) {
  const nm = id.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = id.slice(nm + 14).split('/');
    return parts[0].startsWith('@') ? parts[0] + '/' + parts[1] : parts[0];
  }
  if (id.startsWith('\0')) return 'rollup helpers';
  const rel = relative(ROOT, id).split('/');
  return rel.length > 2 ? rel.slice(0, 2).join('/') : rel.length == 2 ? rel[0] + '/*.ts' : rel[0];
}

/** Builds `config` in memory and returns each group's rendered bytes, largest first. */
async function attribute(config) {
  // Minifying is left out: rendered lengths are taken before it, and terser is the slow part.
  const plugins = config.plugins.filter((p) => p && p.name != 'terser');
  const bundle = await rollup({ ...config, plugins, onwarn: () => {} });
  try {
    const { file: _file, ...output } = config.output;
    const { output: chunks } = await bundle.generate({ ...output, sourcemap: false });
    const totals = new Map();
    const modules = new Map();
    let all = 0;
    for (const chunk of chunks) {
      if (chunk.type != 'chunk') continue;
      for (const [id, m] of Object.entries(chunk.modules)) {
        totals.set(group(id), (totals.get(group(id)) || 0) + m.renderedLength);
        const rel = relative(ROOT, id);
        if (m.renderedLength && rel.startsWith('src/')) modules.set(rel, m.renderedLength);
        all += m.renderedLength;
      }
    }
    const share = (list) =>
      [...list]
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([name, rendered]) => ({ name, rendered, share: rendered / all }));
    return { groups: share(totals), modules: share(modules) };
  } finally {
    await bundle.close();
  }
}

/** Measures every file and attributes the bundles built by rollup.config.mjs. */
export async function run() {
  ensureBuilt();
  const { default: configs } = await import(new URL('../rollup.config.mjs', import.meta.url));
  const files = [];
  for (const [file, what] of FILES) {
    const entry = { file, what, ...sizes(file), groups: null };
    const config = configs.find((c) => c.output?.file == 'dist/' + file);
    if (config) {
      const { groups, modules } = await attribute(config);
      const est = (g) => ({ ...g, brotli: Math.round(g.share * entry.brotli) });
      entry.groups = groups.map(est);
      entry.modules = modules.map(est);
    }
    files.push(entry);
  }
  return { files };
}

/** The size table and one attribution table per bundle. */
export function render(data) {
  const out = [
    '### Bytes',
    '',
    table(
      ['file', 'what', 'raw', 'gzip', 'brotli'],
      data.files.map((f) => [
        `dist/${f.file}`,
        f.what,
        bytes(f.raw),
        bytes(f.gzip),
        bytes(f.brotli),
      ]),
      'llrrr',
    ),
    '',
    'What each bundle is made of (share of the bundle¹, estimated brotli bytes):',
    '',
  ];
  const withGroups = data.files.filter((f) => f.groups);
  out.push(
    table(
      ['bundle', 'composition'],
      withGroups.map((f) => [
        `${f.file} (${bytes(f.brotli)})`,
        f.groups
          .filter((g) => g.share >= 0.005)
          .map((g) => `${g.name} ${(g.share * 100).toFixed(0)}% ≈ ${bytes(g.brotli)}`)
          .join(', '),
      ]),
      'll',
    ),
  );
  // What the core and the chat layer each carry, module by module: code that moves between
  // them (or is bundled into both) shows here.
  const [core, chat, conversation, rules] = [
    'widget.js',
    'chat.js',
    'conversation.js',
    'rules.js',
  ].map((n) => data.files.find((f) => f.file == n));
  if (core?.modules && chat?.modules) {
    const inCore = new Set(core.modules.map((m) => m.name));
    const list = (f) =>
      f.modules
        .filter((m) => m.share >= 0.005)
        .map((m) => `${m.name.replace(/^src\//, '')} ≈ ${bytes(m.brotli)}`)
        .join(', ');
    const both = chat.modules.filter((m) => inCore.has(m.name));
    out.push(
      '',
      'The core, the chat layer and the chunks it loads on demand, module by module (estimated brotli bytes¹):',
      '',
      table(
        ['bundle', 'modules'],
        [
          [`widget.js`, list(core)],
          [`chat.js`, list(chat)],
          // What moved out of chat.js, loaded when a conversation starts or rules arrive.
          ...[conversation, rules].filter((f) => f?.modules).map((f) => [f.file, list(f)]),
          [
            'in both',
            both.length
              ? both
                  .map((m) => `${m.name.replace(/^src\//, '')} (${bytes(m.brotli)} in chat.js)`)
                  .join(', ')
              : 'none',
          ],
        ],
        'll',
      ),
    );
  }
  out.push(
    '',
    '¹ From a bench-only rollup build of the same entries: each module’s rendered length after ' +
      'tree-shaking, before minification, grouped by npm package or source folder, applied to ' +
      'the file’s brotli size. Minification and compression do not shrink all code equally, so ' +
      'shares are approximate (± a few percent); groups under 0.5% are left out. gzip level 9, ' +
      'brotli quality 11.',
  );
  return out.join('\n');
}

if (isMain(import.meta)) await runPart('bytes', run, render);
