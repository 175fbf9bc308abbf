/** Browser and OS names from a User-Agent header, for the agent's visitor card. */

const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrome\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];

const SYSTEMS: [RegExp, string][] = [
  [/Windows/, 'Windows'],
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/CrOS/, 'ChromeOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

const find = (list: [RegExp, string][], ua: string) =>
  list.find(([re]) => re.test(ua))?.[1] ?? null;

/** `{browser, os}` (null when unknown). Order matters: Edge and Opera also say "Chrome". */
export function parseUserAgent(ua: string | undefined): {
  browser: string | null;
  os: string | null;
} {
  const s = (ua || '').slice(0, 500);
  return { browser: find(BROWSERS, s), os: find(SYSTEMS, s) };
}
