/** How the widget and the agent page name a file's size and kind. */

const units = ['byte', 'kilobyte', 'megabyte'];

/**
 * A file size for people: "820 bytes", "1.4 kB", "3.2 MB" in the visitor's language (bytes in
 * words: the short form is "820 byte" in English, "820 o" in French).
 */
export function fileSize(bytes: number, lang: string): string {
  let i = 0;
  while (bytes >= 1000 && i < 2) {
    bytes /= 1000;
    i++;
  }
  try {
    return new Intl.NumberFormat(lang, {
      style: 'unit',
      unit: units[i],
      unitDisplay: i ? 'short' : 'long',
      maximumFractionDigits: 1,
    }).format(bytes);
  } catch {
    return Math.round(bytes) + ' ' + ['B', 'kB', 'MB'][i];
  }
}

/**
 * The short kind of a file from its MIME type: "PDF", "PNG", "TXT"; parameters are left out
 * (`text/plain; charset=utf-8` is "TXT"). A type that names no kind in a few letters (a
 * vendor's `vnd.…`, an unregistered `x-…`, `octet-stream`, none at all) gives way to the name's
 * extension: a Word file is "DOCX", not "VND.OPENXM", a Windows program "EXE", not "X-MSDOWNLO".
 */
export const fileKind = (type: string, name = '') => {
  const sub = (type.split(/[/;]/)[1] || type).replace(/^plain$/, 'txt');
  return (
    (/^(?!x-|vnd\.).{1,8}$/i.test(sub) ? sub : /\.(\w{1,8})$/.exec(name)?.[1] || sub.slice(0, 8)) ||
    '?'
  ).toUpperCase();
};
