/**
 * Config keys Smartsupp's own chat-code generator, plugins and docs write that have no effect
 * here: accepted without a warning, so a pasted Smartsupp snippet logs nothing (README, "Moving
 * from Smartsupp"). Rating and transcript switches are among them until those features land.
 * `alignY` and `widget` are read by config.ts; their values change nothing else.
 */
export type IgnoredSmartsuppKey =
  | 'alignY'
  | 'widget'
  | 'sendEmailTanscript'
  | 'ratingEnabled'
  | 'ratingType'
  | 'ratingComment'
  | 'gaKey'
  | 'gaOptions'
  | 'gaName'
  | 'sitePlatform'
  | 'pluginVersion'
  | 'cookiePath'
  | 'hideOfflineChat'
  | '_loaderUrl';

/** The same keys, plus `window`, which the script-tag entry passes with them. */
const ACCEPTED = (
  'alignY widget sendEmailTanscript ratingEnabled ratingType ratingComment ' +
  'gaKey gaOptions gaName sitePlatform pluginVersion cookiePath hideOfflineChat _loaderUrl window'
).split(' ');

/** Options `createWidget` (npm) takes besides the config; never in the script-tag bundle. */
export const NPM_OPTIONS = 'storage ui logger now indexedDB'.split(' ');

/**
 * The one warning about config keys nobody knows, given the keys config.ts did not resolve.
 * It lives in the chat layer, not the core bundle: the list costs bytes before `load`.
 */
export function warnUnknownKeys(
  keys: readonly string[],
  warn: (message: string) => void,
  also: readonly string[] = [],
): void {
  const unknown = keys.filter((k) => !ACCEPTED.includes(k) && !also.includes(k));
  if (unknown.length) warn('ignoring unknown config keys: ' + unknown.join(', '));
}
