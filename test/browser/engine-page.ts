/**
 * The page API of engines.ts, built once on a few primitives every driver has (run a script,
 * click at a point, press and type keys): element lookups, waits and actionability checks run
 * as scripts in the page, so they behave the same in Chromium, Firefox and WebKit.
 */
import type { Engine } from './engines';

/** A viewport in CSS pixels. */
export interface Viewport {
  width: number;
  height: number;
  deviceScaleFactor?: number;
}

/** A console message, shaped like Playwright's (`warn` is reported as `warning` everywhere). */
export interface ConsoleLine {
  type(): string;
  text(): string;
}

/** What a driver can do with one page (tab); everything else is built on it. */
export interface PageDriver {
  /** Navigates and waits for the `load` event. */
  goto(url: string): Promise<void>;
  /** Evaluates a JavaScript expression in the page (awaiting a promise) and returns its JSON value. */
  run(expression: string): Promise<unknown>;
  /** A real mouse click at viewport coordinates (CSS pixels). */
  click(x: number, y: number): Promise<void>;
  /** Moves the mouse to viewport coordinates (CSS pixels), buttons up. */
  move(x: number, y: number): Promise<void>;
  /** Moves the mouse there and presses the left button, keeping it down. */
  down(x: number, y: number): Promise<void>;
  /** Releases the left button where the mouse is. */
  up(): Promise<void>;
  /** Presses a key by Playwright's name, with modifiers as in `Shift+Tab`. */
  press(key: string): Promise<void>;
  /** Types text key by key into the focused element. */
  type(text: string): Promise<void>;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Where a driver reports the page's console messages and uncaught errors. */
export interface PageLog {
  console(type: string, text: string): void;
  error(message: string): void;
}

export type WaitState = 'attached' | 'detached' | 'visible' | 'hidden';

/** Elements matching a CSS selector in the document and in every open shadow root. */
export interface Locator {
  /** Waits until the element is visible, enabled, still and not covered, then clicks it. */
  click(): Promise<void>;
  /** Waits as for a click, then moves the mouse over the element's centre. */
  hover(): Promise<void>;
  /** Replaces the field's text with `text` as one input event (no key events), like Playwright. */
  fill(text: string): Promise<void>;
  inputValue(): Promise<string>;
  /** Clicks a checkbox unless it is already checked. */
  check(): Promise<void>;
  waitFor(options?: { state?: WaitState; timeout?: number }): Promise<void>;
  textContent(): Promise<string | null>;
  getAttribute(name: string): Promise<string | null>;
  count(): Promise<number>;
  allTextContents(): Promise<string[]>;
  isVisible(): Promise<boolean>;
  boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null>;
  evaluate<R, A = undefined>(fn: (el: Element, arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  first(): Locator;
  last(): Locator;
  /** The `index`th match; a negative index counts from the end (-1 is the last). */
  nth(index: number): Locator;
}

/** One page (tab) of one engine. */
export interface EnginePage {
  engine: Engine;
  goto(url: string): Promise<void>;
  /** Runs `fn(arg)` in the page (or evaluates an expression given as a string). */
  evaluate<R, A = undefined>(fn: ((arg: A) => R | Promise<R>) | string, arg?: A): Promise<R>;
  /** Polls `fn` in the page until it returns a truthy value, and returns that value. */
  waitForFunction<R, A = undefined>(
    fn: (arg: A) => R | Promise<R>,
    arg?: A,
    options?: { timeout?: number },
  ): Promise<R>;
  locator(selector: string, options?: { hasText?: string }): Locator;
  keyboard: { press(key: string): Promise<void>; type(text: string): Promise<void> };
  mouse: {
    click(x: number, y: number): Promise<void>;
    /** Presses the left button at viewport coordinates and holds it until `up()`. */
    down(x: number, y: number): Promise<void>;
    up(): Promise<void>;
  };
  screenshot(options: { path: string }): Promise<void>;
  on(event: 'console', listener: (m: ConsoleLine) => void): void;
  on(event: 'pageerror', listener: (e: { message: string }) => void): void;
  /** Uncaught errors, unhandled rejections, console errors and dialogs so far, as lines. */
  problems(): string[];
  setDefaultTimeout(ms: number): void;
  waitForTimeout(ms: number): Promise<void>;
  isClosed(): boolean;
  close(): Promise<void>;
}

/** Query spec handed to the in-page finder. */
interface Query {
  sel: string;
  hasText?: string;
  nth?: number;
}

/**
 * The in-page half: finds the elements of a query (document first, then open shadow roots in
 * document order) and runs one operation on them. Kept as plain ES2017 for every engine.
 */
const IN_PAGE = `async function (q, op, extra) {
  var deep = function (root, sel, out) {
    root.querySelectorAll(sel).forEach(function (el) { if (out.indexOf(el) < 0) out.push(el); });
    root.querySelectorAll('*').forEach(function (el) { if (el.shadowRoot) deep(el.shadowRoot, sel, out); });
    return out;
  };
  var found = deep(document, q.sel, []);
  // Like Playwright's CSS, a descendant combinator also crosses into a host's shadow root:
  // '[data-visitor-chat] .ln' finds .ln inside the widget's root. Try every top-level space.
  var depth = 0, quote = '';
  for (var i = 0; i < q.sel.length; i++) {
    var c = q.sel[i];
    if (quote) { if (c == quote) quote = ''; continue; }
    if (c == '"' || c == "'") quote = c;
    else if (c == '[' || c == '(') depth++;
    else if (c == ']' || c == ')') depth--;
    else if (c == ' ' && depth == 0) {
      var head = q.sel.slice(0, i).trim(), tail = q.sel.slice(i + 1).trim();
      if (!head || !tail || /[>+~]$/.test(head) || /^[>+~]/.test(tail)) continue;
      deep(document, head, []).forEach(function (host) {
        if (host.shadowRoot) deep(host.shadowRoot, tail, found);
      });
    }
  }
  if (q.hasText != null) {
    var norm = function (s) { return s.replace(/\\s+/g, ' ').trim().toLowerCase(); };
    found = found.filter(function (el) { return norm(el.textContent || '').indexOf(norm(q.hasText)) >= 0; });
  }
  if (q.nth != null) {
    var at = q.nth < 0 ? found.length + q.nth : q.nth;
    found = at < 0 ? [] : found.slice(at, at + 1);
  }
  var visible = function (el) {
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility != 'hidden';
  };
  if (op == 'count') return found.length;
  if (op == 'texts') return found.map(function (el) { return el.textContent; });
  if (op == 'state') {
    var first = found[0];
    return { attached: found.length > 0, visible: !!first && visible(first) };
  }
  if (found.length > 1 && q.nth == null) return { error: 'strict mode violation: ' + found.length + ' elements match' };
  var el = found[0];
  if (op == 'visible') return !!el && visible(el);
  if (!el) return { error: 'none' };
  if (op == 'text') return { value: el.textContent };
  if (op == 'attr') return { value: el.getAttribute(extra) };
  if (op == 'box') {
    if (!visible(el)) return { value: null };
    var b = el.getBoundingClientRect();
    return { value: { x: b.x, y: b.y, width: b.width, height: b.height } };
  }
  if (op == 'checked') return { value: !!el.checked };
  if (op == 'value') return { value: el.value };
  if (op == 'eval') return { value: await extra(el) };
  if (!visible(el)) return { error: 'not visible' };
  if (el.disabled) return { error: 'disabled' };
  if (op == 'fill') {
    // As Playwright's fill: focus, select what is there, insert the text as one input (an
    // editing command, so Preact sees a real input event); tabs and newlines stay text.
    el.focus();
    if (el.select) el.select();
    var done = extra ? document.execCommand('insertText', false, extra) : document.execCommand('delete');
    if (!done || el.value != extra) {
      el.value = extra;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }
    return { value: true };
  }
  // op == 'point': where a real click would land, once the element is in view and still.
  var r = el.getBoundingClientRect();
  if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) {
    el.scrollIntoView({ block: 'center', inline: 'center' });
    r = el.getBoundingClientRect();
  }
  // setTimeout, not requestAnimationFrame: a background tab never runs animation frames.
  await new Promise(function (ok) { setTimeout(ok, 32); });
  var s = el.getBoundingClientRect();
  if (s.x != r.x || s.y != r.y || s.width != r.width || s.height != r.height) return { error: 'still moving' };
  var x = s.x + s.width / 2, y = s.y + s.height / 2;
  var hit = document.elementFromPoint(x, y);
  while (hit && hit.shadowRoot) {
    var inner = hit.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner == hit) break;
    hit = inner;
  }
  if (!hit || (hit != el && !el.contains(hit))) return { error: 'covered by ' + (hit ? hit.outerHTML.slice(0, 80) : 'nothing') };
  return { value: { x: x, y: y } };
}`;

const serialize = (value: unknown) => (value === undefined ? 'undefined' : JSON.stringify(value));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wraps a driver's page in the shared page API. */
export function createEnginePage(
  engine: Engine,
  driver: PageDriver,
  listen: (log: PageLog) => void,
): EnginePage {
  // A bound, not a speed goal: Firefox and WebKit on a shared, overloaded machine (load 24 on
  // two cores seen) can take more than 10 s to show what a test waits for.
  let timeout = 20_000;
  let closed = false;
  const consoleListeners: Array<(m: ConsoleLine) => void> = [];
  const errorListeners: Array<(e: { message: string }) => void> = [];
  const problems: string[] = [];
  listen({
    console(type, text) {
      if (type == 'error') problems.push('console error: ' + text);
      for (const l of consoleListeners) l({ type: () => type, text: () => text });
    },
    error(message) {
      problems.push('pageerror: ' + message);
      for (const l of errorListeners) l({ message });
    },
  });

  const call = (q: Query, op: string, extra?: string) =>
    driver.run(`(${IN_PAGE})(${JSON.stringify(q)}, ${JSON.stringify(op)}, ${extra ?? 'null'})`);

  /** Runs a single-element operation, waiting for the element (and, for actions, actionability). */
  async function single<T>(q: Query, op: string, what: string, extra?: string): Promise<T> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const r = (await call(q, op, extra)) as { value?: T; error?: string };
      if (!r.error) return r.value as T;
      if (r.error.startsWith('strict') || Date.now() > deadline)
        throw new Error(`locator(${JSON.stringify(q.sel)}).${what}: ${r.error} (${engine})`);
      await sleep(50);
    }
  }

  function locator(q: Query): Locator {
    const self: Locator = {
      async click() {
        const p = await single<{ x: number; y: number }>(q, 'point', 'click');
        await driver.click(p.x, p.y);
      },
      async hover() {
        const p = await single<{ x: number; y: number }>(q, 'point', 'hover');
        await driver.move(p.x, p.y);
      },
      async fill(text) {
        await single(q, 'fill', 'fill', JSON.stringify(text));
      },
      async check() {
        if (!(await single<boolean>(q, 'checked', 'check'))) await self.click();
      },
      async waitFor(options = {}) {
        const state = options.state || 'visible';
        const deadline = Date.now() + (options.timeout ?? timeout);
        for (;;) {
          const s = (await call(q, 'state')) as { attached: boolean; visible: boolean };
          const ok = {
            attached: s.attached,
            detached: !s.attached,
            visible: s.visible,
            hidden: !s.visible,
          }[state];
          if (ok) return;
          if (Date.now() > deadline)
            throw new Error(
              `locator(${JSON.stringify(q.sel)}).waitFor ${state}: timed out (${engine})`,
            );
          await sleep(50);
        }
      },
      textContent: () => single(q, 'text', 'textContent'),
      inputValue: () => single(q, 'value', 'inputValue'),
      getAttribute: (name) => single(q, 'attr', 'getAttribute', JSON.stringify(name)),
      count: async () => (await call(q, 'count')) as number,
      allTextContents: async () => (await call(q, 'texts')) as string[],
      isVisible: async () => (await call(q, 'visible')) as boolean,
      boundingBox: () => single(q, 'box', 'boundingBox'),
      evaluate: (fn, arg) =>
        single(q, 'eval', 'evaluate', `function (el) { return (${fn})(el, ${serialize(arg)}); }`),
      first: () => locator({ ...q, nth: 0 }),
      last: () => locator({ ...q, nth: -1 }),
      nth: (index) => locator({ ...q, nth: index }),
    };
    return self;
  }

  const evaluate = <R, A>(fn: ((arg: A) => R | Promise<R>) | string, arg?: A) =>
    driver.run(typeof fn == 'string' ? fn : `(${fn})(${serialize(arg)})`) as Promise<R>;

  return {
    engine,
    goto: (url) => driver.goto(url),
    evaluate,
    async waitForFunction(fn, arg, options = {}) {
      const deadline = Date.now() + (options.timeout ?? timeout);
      for (;;) {
        const value = await evaluate(fn, arg);
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`waitForFunction timed out (${engine}): ${fn}`);
        await sleep(50);
      }
    },
    locator: (sel, options = {}) => locator({ sel, hasText: options.hasText }),
    keyboard: { press: (key) => driver.press(key), type: (text) => driver.type(text) },
    mouse: { click: (x, y) => driver.click(x, y), down: driver.down, up: driver.up },
    screenshot: ({ path }) => driver.screenshot(path),
    on(event: 'console' | 'pageerror', listener: (x: never) => void) {
      if (event == 'console') consoleListeners.push(listener as (m: ConsoleLine) => void);
      else errorListeners.push(listener as (e: { message: string }) => void);
    },
    problems: () => [...problems],
    setDefaultTimeout: (ms) => void (timeout = ms),
    waitForTimeout: sleep,
    isClosed: () => closed,
    async close() {
      if (closed) return;
      closed = true;
      await driver.close();
    },
  };
}
