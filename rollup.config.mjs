// Builds every artefact in dist/ (see README "Sizes" and docs/AGENT-API.md):
//   index.js + index.d.ts     npm entry: ES module, dependencies external, declarations
//   npm/ui.js                 npm `visitor-chat/ui`: the chat UI importing `preact` (external)
//   loader.js + loader.d.ts   the snippet's source, importable from Node (demo server, README)
//   snippet.js, snippet.html  the paste-in one-liner, generated from loader.js (never hand-copied)
//   install.html              the plain script-tag install (config + stub, then widget.js), the same way
//   widget.js                 script-tag core: classic IIFE, everything bundled, minified, no Preact
//   chat.js, http.js, ui.js   ES-module chunks widget.js imports by URL after `load` (src/main.ts);
//   conversation.js           delivery, outbox, message frames: imported by chat.js when a
//                             conversation starts (src/core/widget.ts)
//   rules.js                  the auto messages' rule engine: imported by chat.js once there
//                             are rules (src/core/auto-loader.ts)
//                             ui.js carries its own Preact (a script-tag site has no bundler)
//   files.js                  the file layer, imported by chat.js and ui.js; on ui.js's Preact
//   form.js                   the contact form and its English, imported by ui.js when it
//                             could be needed; on ui.js's Preact too
//   lang/<code>.js            one UI language table each (English is in ui.js, the file
//                             layer's and the form's in their chunks), imported by URL when
//                             the visitor's language is first used (src/chat.ts)
//   agent.js, server.js       the demo agent page and the reference server: built here for
//                             `npm start`, left out of the npm package (package.json `files`)
//
// dist/ is not emptied first (a running `npm start` or test run may be reading it); `npm pack`
// builds from an empty dist/ (the `prepack` script), so a removed entry never ships.
//
// TypeScript only transpiles here, file by file (`isolatedModules` is on), which keeps the build
// to a few seconds; type errors are `npm run typecheck`'s job. Declarations come from one
// TypeScript program over the npm entry points.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import ts from 'typescript';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });

const tsconfig = ts.getParsedCommandLineOfConfigFile(
  'tsconfig.json',
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
);

/** Strips types from .ts/.tsx files (and compiles JSX for Preact) without type-checking. */
const transpile = () => ({
  name: 'transpile-ts',
  transform(code, id) {
    if (!/\.[cm]?tsx?$/.test(id) || id.includes('/node_modules/')) return null;
    const out = ts.transpileModule(code, {
      fileName: id,
      compilerOptions: {
        ...tsconfig.options,
        module: ts.ModuleKind.ESNext,
        declaration: false,
        sourceMap: true,
        inlineSourceMap: false,
        inlineSources: false,
      },
    });
    return {
      code: out.outputText.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n'),
      map: out.sourceMapText,
    };
  },
});

/** Emits dist/*.d.ts for the npm entry points (and what they import) from one TS program. */
const declarations = (entries) => ({
  name: 'declarations',
  async writeBundle() {
    const options = {
      ...tsconfig.options,
      declaration: true,
      emitDeclarationOnly: true,
      noEmit: false,
      rootDir: 'src',
      declarationDir: 'dist',
    };
    const program = ts.createProgram(entries, options);
    const files = [];
    const { emitSkipped, diagnostics } = program.emit(
      undefined,
      (file, text) => files.push([file, text]),
      undefined,
      true,
    );
    if (emitSkipped || diagnostics.length) {
      const host = {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => process.cwd(),
        getNewLine: () => '\n',
      };
      this.error('declarations: ' + ts.formatDiagnostics(diagnostics, host));
    }
    // Node16/NodeNext consumers need extensions on relative specifiers, even in .d.ts files.
    const emitted = new Set(files.map(([file]) => resolvePath(file)));
    const withExtension = (file, spec) => {
      const base = resolvePath(dirname(file), spec);
      if (emitted.has(base + '.d.ts')) return spec + '.js';
      if (emitted.has(join(base, 'index.d.ts'))) return spec + '/index.js';
      return spec;
    };
    await Promise.all(
      files.map(async ([file, text]) => {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(
          file,
          text.replace(
            /((?:\bfrom|\bimport)\s*\(?\s*)(['"])(\.\.?\/[^'"]*)\2/g,
            (_, before, q, spec) => before + q + withExtension(file, spec) + q,
          ),
        );
      }),
    );
  },
});

/** Resolves extensionless imports of .ts files; `browser: true` because nanoid's default
 * export condition is its Node build (node:crypto). */
const resolveTs = () =>
  resolve({ browser: true, extensions: ['.ts', '.tsx', '.mjs', '.js', '.json'] });

/**
 * Minifies; `preamble` is a line put first. ON_LOAD is V8's explicit compile hint for a script
 * whose functions nearly all run as soon as it loads: widget.js's boot, chat.js's launcher and
 * presence, ui.js's first render of the window (it loads when the visitor opens the chat, or
 * on hover just before). Chromium compiles them while the script streams in, off the main
 * thread, instead of lazily on the main thread at each first call. On a page where nobody
 * chats that took the widget's script in the first 4 s from ≈ 28 to ≈ 18 ms, and the open
 * latency from ≈ 51 to ≈ 35 ms median (`bench/host-page-profile.mjs ab`,
 * `bench/long-chat-profile.mjs ab`). Other engines read a comment.
 */
const minify = (preamble, compress) =>
  terser({
    ecma: 2020,
    compress: { passes: 2, ...compress },
    format: { comments: false, preamble },
  });
const ON_LOAD = '//# allFunctionsCalledOnLoad';

/** Resolves Preact's modules to src/ui/preact-shim.ts (see there); anything else from Preact fails. */
const preactShim = () => ({
  name: 'preact-shim',
  resolveId(id) {
    if (/^preact(\/hooks|\/jsx-runtime)?$/.test(id)) return resolvePath('src/ui/preact-shim.ts');
    if (/^preact(\/|$)/.test(id))
      this.error("a chunk on ui.js's Preact may not import " + id + ': ui.js hands it Preact');
    return null;
  },
});

/**
 * Writes dist/snippet.js, dist/snippet.html and dist/install.html (the plain script-tag install)
 * from the freshly built dist/loader.js.
 */
const snippet = () => ({
  name: 'snippet',
  async writeBundle() {
    const url = pathToFileURL('dist/loader.js').href + '?t=' + Date.now();
    const { WIDGET_URL, buildSnippet, buildSnippetHtml, buildTagInstallHtml } = await import(url);
    // The snippet with the key only (its 400-byte budget): the README adds the `server` line.
    const config = { key: 'YOUR_KEY' };
    await writeFile('dist/snippet.js', buildSnippet(WIDGET_URL, config) + '\n');
    await writeFile('dist/snippet.html', buildSnippetHtml(WIDGET_URL, config));
    const server = new URL(WIDGET_URL).origin;
    await writeFile('dist/install.html', buildTagInstallHtml(WIDGET_URL, { ...config, server }));
  },
});

/** @type {import('rollup').RollupOptions[]} */
const configs = [
  {
    input: { index: 'src/index.ts', loader: 'src/loader.ts', 'npm/ui': 'src/ui/npm.tsx' },
    external: (id) => deps.some((d) => id == d || id.startsWith(d + '/')),
    plugins: [
      resolveTs(),
      transpile(),
      snippet(),
      declarations(['src/index.ts', 'src/loader.ts', 'src/ui/npm.tsx']),
    ],
    output: {
      dir: 'dist',
      format: 'es',
      sourcemap: true,
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      // The protocol (src/protocol.ts and the validators beside it) stays one shared chunk, as
      // when it was one file: `visitor-chat/ui` needs its limits, the entry the rest.
      manualChunks: (id) => (/\/src\/protocol(\.ts$|\/)/.test(id) ? 'protocol' : undefined),
    },
  },
  {
    input: 'src/main.ts',
    // Arrows and methods for plain functions: none of widget.js's is called with `new`.
    plugins: [
      resolveTs(),
      transpile(),
      minify(ON_LOAD, { unsafe_arrows: true, unsafe_methods: true }),
    ],
    output: { file: 'dist/widget.js', format: 'iife', sourcemap: true },
  },
  {
    // The chat layer widget.js imports after the page's `load` event (see src/main.ts).
    input: 'src/chat.ts',
    plugins: [resolveTs(), transpile(), minify(ON_LOAD)],
    output: { file: 'dist/chat.js', format: 'es', sourcemap: true },
  },
  {
    // The conversation layer (delivery, outbox, message frames), loaded by chat.js when a
    // conversation starts: most visitors never chat.
    input: 'src/conversation.ts',
    plugins: [resolveTs(), transpile(), minify()],
    output: { file: 'dist/conversation.js', format: 'es', sourcemap: true },
  },
  {
    // The auto messages (rule engine), loaded by chat.js once there are rules.
    input: 'src/rules.ts',
    plugins: [resolveTs(), transpile(), minify()],
    output: { file: 'dist/rules.js', format: 'es', sourcemap: true },
  },
  {
    // The language layer (language list, `lang: 'auto'`, plural rules), loaded by chat.js only
    // for a visitor whose language is not English; the tables themselves are lang/<code>.js.
    input: 'src/lang.ts',
    plugins: [resolveTs(), transpile(), minify()],
    output: { file: 'dist/lang.js', format: 'es', sourcemap: true },
  },
  {
    // The HTTP transport, loaded by widget.js only for sites that choose it.
    input: 'src/http.ts',
    plugins: [resolveTs(), transpile(), minify()],
    output: { file: 'dist/http.js', format: 'es', sourcemap: true },
  },
  {
    // The chat UI for the script tag, imported by URL next to widget.js: Preact bundled (and
    // nowhere else in the script-tag build). npm consumers get dist/npm/ui.js instead.
    input: 'src/ui/index.tsx',
    plugins: [resolveTs(), transpile(), minify(ON_LOAD)],
    output: { file: 'dist/ui.js', format: 'es', sourcemap: true },
  },
  {
    // The file layer (uploads, attachments, rating, transcript), imported by URL by chat.js and
    // ui.js when files are first used or the chat window opens. Its components run on ui.js's
    // Preact: `preact` and its hooks and JSX runtime resolve to a shim that ui.js fills in.
    input: 'src/files.ts',
    plugins: [preactShim(), resolveTs(), transpile(), minify()],
    output: { file: 'dist/files.js', format: 'es', sourcemap: true },
  },
  {
    // The contact form, imported by URL by ui.js once it could be needed (the window open while
    // no agent is online, or with `requireLogin`); on ui.js's Preact like the file layer.
    input: 'src/form.ts',
    plugins: [preactShim(), resolveTs(), transpile(), minify()],
    output: { file: 'dist/form.js', format: 'es', sourcemap: true },
  },
  {
    // The UI's language tables, one module each (pt-br.js imports pt.js), for the script tag.
    input: Object.fromEntries(
      readdirSync('src/ui/lang').map((f) => [f.replace(/\.ts$/, ''), 'src/ui/lang/' + f]),
    ),
    plugins: [resolveTs(), transpile(), minify()],
    output: { dir: 'dist/lang', format: 'es', entryFileNames: '[name].js' },
  },
];

/** The agent Visitors page (demo/agent): script plus its stylesheet, copied as dist/agent.css. */
if (existsSync('demo/agent/main.tsx')) {
  const agentCss = {
    name: 'agent-css',
    buildStart() {
      this.addWatchFile('demo/agent/agent.css');
    },
    generateBundle() {
      const source = readFileSync('demo/agent/agent.css', 'utf8');
      this.emitFile({ type: 'asset', fileName: 'agent.css', source });
    },
  };
  configs.push({
    input: 'demo/agent/main.tsx',
    plugins: [resolveTs(), transpile(), agentCss, minify()],
    output: { file: 'dist/agent.js', format: 'iife', sourcemap: true },
  });
  // The Automations screen: an ES module agent.js imports by URL when an agent opens it.
  configs.push({
    input: 'demo/agent/automations/main.tsx',
    plugins: [resolveTs(), transpile(), minify()],
    output: { file: 'dist/agent.automations.js', format: 'es', sourcemap: true },
  });
}

/** The reference server (demo/server) for Node: its dependencies and Node's builtins stay external. */
if (existsSync('demo/server/main.ts')) {
  configs.push({
    input: 'demo/server/main.ts',
    external: (id) =>
      id.startsWith('node:') ||
      /^(ws|better-sqlite3|pg|prom-client|ioredis|nodemailer)(\/|$)/.test(id),
    plugins: [
      resolve({ preferBuiltins: true, extensions: ['.ts', '.mjs', '.js', '.json'] }),
      transpile(),
    ],
    output: { file: 'dist/server.js', format: 'es', sourcemap: true },
  });
}

export default configs;
