// Markdown rendering shared by every part: tables and byte/duration formats.

const line = (cells) => '| ' + cells.map((c) => String(c ?? '')).join(' | ') + ' |';

/** A markdown table; `align` is a string of `l`/`r` per column (default: first left, rest right). */
export function table(headers, rows, align) {
  const a = align || 'l' + 'r'.repeat(headers.length - 1);
  const sep = headers.map((_, i) => (a[i] == 'r' ? '---:' : '---'));
  return [line(headers), line(sep), ...rows.map(line)].join('\n');
}

/** Bytes as `812 B`, `5.93 kB` or `1.20 MB` (SI, like size-limit). */
export function bytes(n) {
  if (!Number.isFinite(n)) return '–';
  const sign = n < 0 ? '−' : '';
  const v = Math.abs(n);
  if (v < 1000) return sign + Math.round(v) + ' B';
  if (v < 1e6) return sign + (v / 1000).toFixed(2) + ' kB';
  return sign + (v / 1e6).toFixed(2) + ' MB';
}

/** A number with fixed decimals, `–` when missing. */
export const num = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

/** A difference with an explicit sign: `+1.2`, `−0.3`, `0.0`. */
export function delta(n, format = (v) => num(v)) {
  if (!Number.isFinite(n)) return '–';
  const s = format(Math.abs(n));
  return (n > 0 ? '+' : n < 0 ? '−' : '±') + s;
}
