/**
 * Checks of the built files (run after `npm run build`, by vitest.browser.config.ts): the
 * script-tag core carries no Preact, is a classic script, and the npm entry type-checks for a
 * consumer. A missing dist/ file fails: these checks never pass by not running.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { rollup } from 'rollup';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import ts from 'typescript';
import { WIDGET_URL, buildSnippet, buildSnippetHtml, buildTagInstallHtml } from '../src/loader';
import { requireBuilt } from './browser/harness';

const ROOT = resolve(import.meta.dirname, '..');
const read = (file: string) => (requireBuilt(file), readFileSync(join(ROOT, 'dist', file), 'utf8'));

/**
 * Traces that survive bundling and minification (strings and unmangled property names), read
 * from Preact's own dist files: the vnode shape of preact and preact/jsx-runtime (10 and 11),
 * Preact 11's vnode brand, the hooks' per-component state and the signals' brand.
 */
const PREACT_MARKERS: [string, RegExp][] = [
  ['preact vnode shape (__k:null)', /__k:null/],
  ['preact 11 vnode brand Symbol.for("pv")', /Symbol\.for\((["'`])pv\1\)/],
  ['preact/hooks state (.__H)', /\.__H\b/],
  ['@preact/signals brand', /(["'`])preact-signals\1/],
];

/** The Preact traces found in `code`, by name; empty when there is none. */
function preactIn(code: string): string[] {
  return PREACT_MARKERS.filter(([, re]) => re.test(code)).map(([name]) => name);
}

/** The module specifiers a built ES module imports statically, in order. */
const importsOf = (code: string): string[] =>
  [...code.matchAll(/(?:^|[;}\n])\s*import\s*(?:[\w$*{},\s]+from\s*)?(["'])([^"']+)\1/g)].map(
    (m) => m[2]!,
  );

/** Bundles `entry` the way dist/widget.js is built (browser resolution, IIFE, terser). */
async function bundleLikeWidget(entry: string): Promise<string> {
  const bundle = await rollup({
    input: 'entry',
    plugins: [
      {
        name: 'entry',
        resolveId: (id) => (id == 'entry' ? id : null),
        load: (id) => (id == 'entry' ? entry : null),
      },
      nodeResolve({ browser: true, rootDir: ROOT }),
      terser({ ecma: 2020, compress: { passes: 2 }, format: { comments: false } }),
    ],
  });
  const { output } = await bundle.generate({ format: 'iife' });
  await bundle.close();
  return output[0].code;
}

describe('the Preact detector', () => {
  it('finds each part of Preact in a minified bundle that uses it', async () => {
    const uses = {
      'preact vnode shape (__k:null)': `import { h, render } from 'preact'; render(h('p', null, 'x'), document.body);`,
      'preact 11 vnode brand Symbol.for("pv")': `import { jsx } from 'preact/jsx-runtime'; window.v = jsx('p', {});`,
      'preact/hooks state (.__H)': `import { useState } from 'preact/hooks'; window.u = useState;`,
      '@preact/signals brand': `import { signal } from '@preact/signals-core'; window.s = signal(1);`,
    };
    for (const [marker, entry] of Object.entries(uses)) {
      expect(preactIn(await bundleLikeWidget(entry)), entry).toContain(marker);
    }
  }, 60_000);

  it('finds nothing in a bundle without Preact', async () => {
    const code = await bundleLikeWidget(`import { nanoid } from 'nanoid'; window.id = nanoid();`);
    expect(preactIn(code)).toEqual([]);
  });
});

describe('dist/snippet.js and dist/snippet.html (the paste-in snippet)', () => {
  it('are the one-liner buildSnippet generates, within the 400-byte budget', () => {
    const js = buildSnippet(WIDGET_URL, { key: 'YOUR_KEY' });
    expect(read('snippet.js')).toBe(js + '\n');
    expect(Buffer.byteLength(read('snippet.js'))).toBeLessThanOrEqual(400);
    expect(read('snippet.html')).toBe(buildSnippetHtml(WIDGET_URL, { key: 'YOUR_KEY' }));
  });

  it('load widget.js from the chat server, and dist/install.html names that server', () => {
    expect(read('snippet.js')).toContain('"https://chat.example.com/widget.js"');
    expect(read('install.html')).toBe(
      buildTagInstallHtml(WIDGET_URL, { key: 'YOUR_KEY', server: 'https://chat.example.com' }),
    );
    expect(read('install.html')).toContain('_smartsupp.server="https://chat.example.com"');
  });
});

describe('dist/widget.js (the script-tag core)', () => {
  it('contains no Preact: the UI must stay out of what loads before the page', () => {
    const found = preactIn(read('widget.js'));
    expect(found, 'Preact was bundled into dist/widget.js: ' + found.join(', ')).toEqual([]);
  });

  // The chunks widget.js imports after `load`: only the UI chunk may carry Preact (the file
  // layer's components run on ui.js's, handed over by install(): src/ui/preact-shim.ts).
  for (const file of ['chat.js', 'conversation.js', 'rules.js', 'http.js', 'files.js', 'form.js']) {
    it.runIf(existsSync(join(ROOT, 'dist', file)))(`leaves Preact out of dist/${file} too`, () => {
      const found = preactIn(read(file));
      expect(found, `Preact was bundled into dist/${file}: ` + found.join(', ')).toEqual([]);
    });
  }

  it.runIf(existsSync(join(ROOT, 'dist', 'ui.js')))(
    'puts Preact in dist/ui.js instead (the detector sees the real UI bundle)',
    () => {
      const ui = read('ui.js');
      expect(preactIn(ui)).toContain('preact vnode shape (__k:null)');
      // Two copies of the signals would not see each other's updates.
      expect(ui.match(/(["'`])preact-signals\1/g)?.length ?? 0).toBeLessThanOrEqual(1);
    },
  );

  it.runIf(existsSync(join(ROOT, 'dist', 'ui.js')))(
    'keeps dist/ui.js and the chunks chat.js loads self-contained for the script tag: they import nothing',
    () => {
      expect(importsOf(read('ui.js'))).toEqual([]);
      expect(importsOf(read('files.js'))).toEqual([]);
      expect(importsOf(read('form.js'))).toEqual([]);
      expect(importsOf(read('conversation.js'))).toEqual([]);
      expect(importsOf(read('rules.js'))).toEqual([]);
    },
  );

  it('leaves the contact form out of dist/ui.js: it is dist/form.js, loaded when it could be needed', () => {
    // The form's field ids and its stylesheet's rules are the form's own; ui.js keeps what
    // decides that a form is needed (ui/fields.ts) and its loading and failed states.
    const ui = read('ui.js');
    const form = read('form.js');
    for (const trace of ['vc-f-', '.fd input', '.ck{', '.hq{']) {
      expect(ui, trace).not.toContain(trace);
      expect(form, trace).toContain(trace);
    }
  });

  it("leaves the contact form's English out of dist/ui.js too: it comes with dist/form.js", () => {
    // ui.js keeps the keys (translations are checked against them) and what the form's loading
    // and failed states say; the form's own words are in its chunk.
    const ui = read('ui.js');
    const form = read('form.js');
    for (const text of [
      'Leave us your details',
      'Please introduce yourself before we start.',
      'Please enter a valid phone number.',
      'I agree to the processing of my personal data.',
    ]) {
      expect(ui, text).not.toContain(text);
      expect(form, text).toContain(text);
    }
    expect(ui).toContain('Something went wrong. Please try again.');
  });

  it('is a classic script: no import or export statement', () => {
    expect(() => new Script(read('widget.js'), { filename: 'widget.js' })).not.toThrow();
  });

  it("uses the browser's crypto, not Node's", () => {
    expect(read('widget.js')).not.toMatch(/node:|randomFillSync|require\(/);
  });

  it("starts, like chat.js and ui.js, with V8's compile hint for code that runs on load, and only they do", () => {
    // The hint has Chromium compile every function while the file streams in, off the main
    // thread (rollup.config.mjs): right for the boot, the launcher and the window's first
    // render, wasteful for a chunk whose code mostly waits for the visitor.
    const hint = '//# allFunctionsCalledOnLoad\n';
    for (const file of ['widget.js', 'chat.js', 'ui.js'])
      expect(read(file).startsWith(hint), file).toBe(true);
    for (const chunk of ['conversation.js', 'rules.js', 'files.js', 'form.js', 'http.js'])
      expect(read(chunk), chunk).not.toContain('allFunctionsCalledOnLoad');
  });
});

describe('the npm package', () => {
  it("builds visitor-chat/ui against the app's preact instead of carrying a copy", () => {
    // The module and the chunks it imports or re-exports, statically or (the file layer and the
    // languages) dynamically.
    const seen = new Map<string, string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      const code = read(file);
      seen.set(file, code);
      const more = [
        ...code.matchAll(/\bexport\s*[\w$*{},\s]*from\s*(["'])([^"']+)\1/g),
        ...code.matchAll(/\bimport\((["'])(\.[^"']+)\1\)/g),
      ].map((m) => m[2]!);
      for (const spec of [...importsOf(code), ...more])
        if (spec.startsWith('.')) visit(join(dirname(file), spec).replace(/\\/g, '/'));
    };
    visit('npm/ui.js');
    visit('index.js');
    const bare = new Set([...seen.values()].flatMap((code) => importsOf(code)));
    // Preact from the app (the file layer's client ids come from the kernel's k.newId).
    expect([...bare].filter((m) => !m.startsWith('.')).sort()).toEqual([
      'preact',
      'preact/hooks',
      'preact/jsx-runtime',
    ]);
    for (const [file, code] of seen) expect(preactIn(code), file).toEqual([]);
    // The file layer's components are a chunk of their own for the site's bundler.
    expect([...seen.keys()].some((f) => /\/files-view-[\w-]+\.js$/.test(f))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.exports['./ui'].default).toBe('./dist/npm/ui.js');
    expect(Object.keys(pkg.dependencies)).toContain('preact');
    // Nothing a consumer installs goes unused: each dependency is imported by what ships.
    const used = new Set([...bare].map((m) => m.split('/')[0]));
    expect(Object.keys(pkg.dependencies).filter((d) => !used.has(d))).toEqual([]);
  });

  it('loads by require() too (Node 20.19+ requires an ES module), and exports its package.json', () => {
    // A script in a CommonJS project, run by Node as a consumer's would be (the package's own
    // name resolves to itself through "exports").
    const out = execFileSync(
      process.execPath,
      [
        '--no-warnings',
        '-e',
        "const w = require('visitor-chat'); const ui = require('visitor-chat/ui');" +
          "const l = require('visitor-chat/loader'); const p = require('visitor-chat/package.json');" +
          'console.log(typeof w.createWidget, typeof ui.mount, typeof l.buildSnippet, p.name)',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('function function function visitor-chat');
  });

  it('ships the library only: no reference server, no agent page', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
    for (const f of ['dist/widget.js', 'dist/chat.js', 'dist/ui.js', 'dist/npm/ui.js', 'LICENSE'])
      expect(files).toContain(f);
    expect(files.filter((f) => /server|agent/.test(f))).toEqual([]);
    expect(files.filter((f) => !/^(dist\/|README\.md$|package\.json$|LICENSE)/.test(f))).toEqual(
      [],
    );
  }, 60_000);
});

describe('dist/index.js (the npm entry)', () => {
  it('keeps dependencies out: no Preact code and no copy of nanoid inside', () => {
    const code = read('index.js');
    expect(preactIn(code)).toEqual([]);
    expect(code).not.toContain('useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict');
  });

  for (const [name, options] of [
    [
      'bundler',
      { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
    ],
    ['node16', { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }],
  ] as const) {
    it(`type-checks for a consumer using moduleResolution ${name}`, () => {
      expect(
        consumerDiagnostics(
          [
            `import { createWidget, createMemoryTransport } from 'visitor-chat';`,
            `import type { Widget } from 'visitor-chat';`,
            `// @ts-expect-error: proves the types were found (an untyped module would accept it)`,
            `import { notAnExport } from 'visitor-chat';`,
            `export const make: (typeof createWidget)[] = [createWidget];`,
            `export const transport: typeof createMemoryTransport = createMemoryTransport;`,
            `export type W = Widget;`,
            `import { mount } from 'visitor-chat/ui';`,
            `export const mountUi: (w: Widget) => unknown = mount;`,
            `void notAnExport;`,
          ].join('\n'),
          options,
        ),
      ).toEqual([]);
    });
  }

  it("type-checks the README's npm API examples as written", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('\n## npm API'),
      readme.indexOf('\n## The chat UI'),
    );
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBe(2);
    for (const block of blocks)
      expect(
        consumerDiagnostics(
          // `render` is the reader's own; `export {}` makes the file a module (top-level await).
          'declare function render(state: unknown): void;\n' + block + '\nexport {};',
          { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
        ),
      ).toEqual([]);
  });
});

/**
 * Type-checks `source` as a consumer's file in an app that installed the package (a symlink to
 * this repository), strict, with our .d.ts files checked too; returns the diagnostics.
 */
function consumerDiagnostics(source: string, options: ts.CompilerOptions): string[] {
  requireBuilt('index.d.ts');
  const dir = mkdtempSync(join(tmpdir(), 'visitor-chat-consumer-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'visitor-chat'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    const file = join(dir, 'consumer.ts');
    writeFileSync(file, source);
    const program = ts.createProgram([file], {
      ...options,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      strict: true,
      noEmit: true,
      types: [],
      // Checks our .d.ts files too: skipLibCheck would hide a broken declaration.
      skipLibCheck: false,
      skipDefaultLibCheck: true,
      preserveSymlinks: false,
    });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? d.file.fileName.replace(ROOT, '<pkg>').replace(dir, '<app>') : '';
      return where + ': ' + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
