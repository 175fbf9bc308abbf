/**
 * Console and error capture for WebKit, whose classic WebDriver has neither console events nor
 * init scripts: the fixture server (harness.ts `serve`) puts this recorder first in every HTML
 * page a WebKit browser asks for, and driver-webkit.ts drains it after every command. Pages not
 * served by `serve` (the reference server's own agent page) are not watched in WebKit.
 */

/** Where the recorder is served; its tag carries `data-engine-log` so tests can tell it apart. */
export const ENGINE_LOG_PATH = '/__engine-log.js';

/** The recorder: console calls and uncaught errors, kept in `window.__engineLog`. */
export const ENGINE_LOG_SCRIPT = `(function () {
  var log = (window.__engineLog = []);
  var text = function (args) {
    return Array.prototype.map.call(args, function (x) {
      if (typeof x == 'string') return x;
      try { return x instanceof Error ? String(x) : JSON.stringify(x); } catch (e) { return String(x); }
    }).join(' ');
  };
  ['log', 'info', 'warn', 'error', 'debug'].forEach(function (type) {
    var original = console[type];
    console[type] = function () {
      log.push({ type: type == 'warn' ? 'warning' : type, text: text(arguments) });
      return original.apply(console, arguments);
    };
  });
  addEventListener('error', function (e) { log.push({ error: (e.error && e.error.message) || e.message }); });
  addEventListener('unhandledrejection', function (e) {
    log.push({ error: String((e.reason && e.reason.message) || e.reason) });
  });
})();`;

/** True for a request from WebKit (Safari's engine), not Chromium or Firefox. */
export const isWebKit = (userAgent = '') =>
  userAgent.includes('AppleWebKit') && !/Chrome|Chromium|Firefox/.test(userAgent);

/** Adds the recorder as the first script of an HTML document. */
export function withEngineLog(html: string): string {
  const tag = `<script data-engine-log src="${ENGINE_LOG_PATH}"></script>`;
  const head = /<head[^>]*>/i.exec(html);
  if (head) return html.replace(head[0], head[0] + tag);
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
  return doctype ? doctype[0] + tag + html.slice(doctype[0].length) : tag + html;
}
