// The agent Visitors page as it was before the delta feed (commit BEFORE_DELTAS: it refetched
// the whole list, up to 500 rows, at most once a second while feed events came, and rendered
// every row), built from git into bench/.cache/ so bench/agent-page.mjs can measure it in the
// same run, against the same server and crowd, as the page it replaced.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import ts from 'typescript';
import { ROOT } from './dist.mjs';

/** The last commit of the old agent page. */
export const BEFORE_DELTAS = 'd8b9e77';

const CACHE = fileURLToPath(new URL('./.cache/', import.meta.url));

/** Strips types and compiles JSX for Preact, as rollup.config.mjs does. */
const transpile = {
  name: 'transpile-ts',
  transform(code, id) {
    if (!/\.tsx?$/.test(id) || id.includes('/node_modules/')) return null;
    const out = ts.transpileModule(code, {
      fileName: id,
      compilerOptions: {
        target: ts.ScriptTarget.ES2020,
        module: ts.ModuleKind.ESNext,
        jsx: ts.JsxEmit.ReactJSX,
        jsxImportSource: 'preact',
      },
    });
    return { code: out.outputText, map: null };
  },
};

/**
 * Builds the old page; resolves `{js, css}` (file paths), or null with the reason logged when
 * git or the commit is not available (a shallow clone, an export without history).
 */
export async function buildOldAgentPage() {
  const dir = CACHE + 'agent-' + BEFORE_DELTAS + '/';
  const js = dir + 'agent.js';
  const css = dir + 'demo/agent/agent.css';
  if (existsSync(js)) return { js, css };
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['archive', BEFORE_DELTAS, 'demo/agent', 'src'], {
      cwd: ROOT,
      maxBuffer: 64 << 20,
    });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    const bundle = await rollup({
      input: dir + 'demo/agent/main.tsx',
      plugins: [
        nodeResolve({
          extensions: ['.ts', '.tsx', '.mjs', '.js'],
          modulePaths: [ROOT + 'node_modules'],
        }),
        transpile,
      ],
      onwarn: () => {},
    });
    await bundle.write({ file: js, format: 'iife' });
    await bundle.close();
    return { js, css };
  } catch (e) {
    console.error(`bench: the old agent page (${BEFORE_DELTAS}) could not be built: ${e.message}`);
    return null;
  }
}
