// Positions in the built scripts (as a CDP profile or trace names them) mapped back to src/
// through dist/'s source maps: what the profile scripts print.
import { readFileSync } from 'node:fs';
import { SourceMapConsumer } from 'source-map-js';
import { DIST } from './dist.mjs';

const maps = new Map();

/** `name file:line` from a served script's position (0-based line), through its source map. */
export function where(url, line, col, name) {
  const path = url.replace(/^https?:\/\/[^/]+\//, '');
  if (!path.endsWith('.js')) return `${name || '(anonymous)'} ${url ? path : ''}`.trim();
  if (!maps.has(path)) {
    try {
      maps.set(path, new SourceMapConsumer(JSON.parse(readFileSync(DIST + path + '.map', 'utf8'))));
    } catch {
      maps.set(path, null);
    }
  }
  const o = maps.get(path)?.originalPositionFor({ line: line + 1, column: col });
  if (!o?.source) return `${name || '(anonymous)'} ${path}:${line + 1}:${col}`;
  return `${o.name || name || '(anonymous)'} ${o.source.replace(/^(\.\.\/)+/, '')}:${o.line}`;
}
