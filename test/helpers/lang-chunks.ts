/**
 * A chunk loader for tests: `lang.js`, `lang/<code>.js`, `files.js` and `form.js` as the script-tag build
 * names them, served from the sources (what src/core/chunk.ts would import by URL from dist/).
 */
import type { ChunkLoader } from '../../src/core/chunk';
import { importTable } from '../../src/ui/lang-imports';

/** Loads the chunks from src/; records every name asked for in `asked`. */
export function sourceChunks(asked: string[] = []): ChunkLoader {
  return (<T>(name: string) => {
    asked.push(name);
    if (name == 'lang.js') return import('../../src/lang') as Promise<T>;
    if (name == 'files.js') return import('../../src/files') as Promise<T>;
    if (name == 'form.js') return import('../../src/form') as Promise<T>;
    const m = /^lang\/([\w-]+)\.js$/.exec(name);
    if (m) return importTable(m[1]!).then((t) => ({ default: t }) as T);
    return Promise.reject(new Error('no chunk ' + name));
  }) as ChunkLoader;
}
