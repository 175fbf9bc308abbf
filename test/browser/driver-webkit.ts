/**
 * The WebKit leg of engines.ts: WebKitGTK's MiniBrowser driven by Debian's WebKitWebDriver over
 * W3C WebDriver (a small fetch-based client), on a private Xvfb display because MiniBrowser's
 * `--headless` hangs under automation.
 *
 * Each context is its own WebKitWebDriver + MiniBrowser (an automation session is an ephemeral
 * profile, and one driver holds one session); its pages are windows of that session, so they
 * share storage, Web Locks and BroadcastChannel. Windows, not tabs: a MiniBrowser tab opened by
 * WebDriver stays in the background (hidden), where clicks never arrive. WebDriver has one
 * current window per session: every command takes the session's lock and switches first.
 *
 * Every command is bounded: the driver's own bounds first (script and page load, 30 s each),
 * then the harness's (a session start 20 s, any other command 45 s), which names the command
 * that got no answer. WebKitWebDriver never answers `POST /session` when the MiniBrowser it
 * launched cannot open its inspector server, e.g. because another process took the free port
 * the driver picked for it in the meantime (MiniBrowser only warns "Failed to start remote
 * inspector server ... Address already in use" and runs on); unbounded, that was a test stalled
 * until vitest's 90 s timeout. Such a start is retried once with a fresh driver, with a warning.
 * `WEBKIT_TRACE=<file>` logs every command with its time.
 *
 * A dialog (alert) left open fails the next command ("unexpected alert open"). Classic
 * WebDriver has no console or error events and no init scripts: the fixture server
 * adds engine-log.ts's recorder to the pages WebKit loads, and every command here drains it.
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { freePort } from '../helpers/free-port';
import type { EngineBrowser, EngineContext } from './engines';
import { MINIBROWSER } from './engines';
import { createEnginePage, type PageLog, type Viewport } from './engine-page';
import { pageInOwnContext } from './engine-context';

/** W3C WebDriver key codes for Playwright's key names. */
const KEYS: Record<string, string> = {
  Backspace: '\uE003',
  Tab: '\uE004',
  Enter: '\uE007',
  Shift: '\uE008',
  Control: '\uE009',
  Alt: '\uE00A',
  Escape: '\uE00C',
  Space: ' ',
  PageUp: '\uE00E',
  PageDown: '\uE00F',
  End: '\uE010',
  Home: '\uE011',
  ArrowLeft: '\uE012',
  ArrowUp: '\uE013',
  ArrowRight: '\uE014',
  ArrowDown: '\uE015',
  Delete: '\uE017',
  Meta: '\uE03D',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `WEBKIT_TRACE=<file>`: every WebDriver command, its answer and its time, appended there. */
function trace(line: string) {
  if (process.env.WEBKIT_TRACE)
    appendFileSync(process.env.WEBKIT_TRACE, new Date().toISOString() + ' ' + line + '\n');
}

/** The processes of the machine, as a tree with their states: for the trace, on a hang. */
function processes() {
  try {
    return execSync('ps -e -o pid,ppid,stat,etime,time,args --forest').toString();
  } catch (e) {
    return String(e);
  }
}

/** Starts Xvfb on the first free display (it reports the number on fd 3). */
async function startXvfb(): Promise<{ display: string; proc: ChildProcess }> {
  const proc = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1600x1200x24', '-nolisten', 'tcp'],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const display = await new Promise<string>((ok, fail) => {
    let out = '';
    proc.stdio[3]!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) ok(':' + out.trim());
    });
    proc.on('exit', (code) => fail(new Error(`Xvfb exited (${code}): ${stderr}`)));
  });
  return { display, proc };
}

async function stop(proc: ChildProcess, group = false) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((ok) => proc.once('exit', ok));
  // A driver leads its own process group: its MiniBrowser and WebKit processes go with it.
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (group && proc.pid) process.kill(-proc.pid, signal);
      else proc.kill(signal);
    } catch {
      // already gone
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/**
 * How long one WebDriver command may take before the harness gives up on it. The driver's own
 * bounds come first (script 30 s, page load 30 s: see `startSession`), so a command that
 * reaches this one is a driver or browser that stopped answering; the error names it, instead
 * of a bare vitest timeout at 90 s.
 */
const COMMAND_BOUND = 45_000;
/** Starting a session (WebKitWebDriver launches a MiniBrowser): 1-2 s; 5.4 s seen at load 13. */
const SESSION_BOUND = 20_000;

/** One WebKitWebDriver process with one session: a small W3C WebDriver client. */
async function startSession(display: string) {
  const port = await freePort();
  const driver = spawn('/usr/bin/WebKitWebDriver', ['--port=' + port], {
    env: { ...process.env, DISPLAY: display },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  driver.stderr!.on('data', (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;

  async function request(
    method: string,
    path: string,
    body?: unknown,
    bound = COMMAND_BOUND,
  ): Promise<unknown> {
    const t0 = Date.now();
    const tag = `${port} ${method} ${path}`;
    trace(`-> ${tag} ${body === undefined ? '' : JSON.stringify(body).slice(0, 120)}`);
    let res: Response;
    let json: { value: unknown };
    try {
      res = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(bound),
      });
      json = (await res.json()) as { value: unknown };
    } catch (e) {
      if ((e as Error).name != 'TimeoutError') throw e;
      if (process.env.WEBKIT_TRACE)
        trace(`!! ${tag} no answer after ${Date.now() - t0} ms\n${processes()}`);
      throw new Error(
        `WebKit: WebKitWebDriver did not answer ${method} ${path} within ${bound / 1000} s` +
          (stderr ? `; its stderr: ${stderr.slice(-500)}` : ''),
        { cause: e },
      );
    }
    trace(`<- ${tag} ${Date.now() - t0} ms ${res.status}`);
    if (!res.ok) {
      const v = json.value as { error?: string; message?: string };
      throw new Error(`WebKitWebDriver ${method} ${path}: ${v.error}: ${v.message}`);
    }
    return json.value;
  }

  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await request('GET', '/status', undefined, 2000);
        break;
      } catch (e) {
        if (driver.exitCode !== null || Date.now() > deadline)
          throw new Error(`WebKitWebDriver did not start: ${stderr || e}`, { cause: e });
        await sleep(100);
      }
    }
    const created = (await request(
      'POST',
      '/session',
      {
        capabilities: {
          alwaysMatch: {
            'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
            // The spec's page load bound is 300 s: every command first waits for a pending
            // navigation, so a load that never ends would stall each one past vitest's 90 s.
            timeouts: { script: 30_000, pageLoad: 30_000, implicit: 0 },
          },
        },
      },
      SESSION_BOUND,
    )) as { sessionId: string; capabilities: { browserVersion: string } };
    const session = `/session/${created.sessionId}`;
    return {
      version: 'webkitgtk/' + created.capabilities.browserVersion,
      command: (method: string, path: string, body?: unknown) =>
        request(method, session + path, body),
      async quit() {
        await request('DELETE', session, undefined, 10_000).catch(() => {});
        await stop(driver, true);
      },
    };
  } catch (e) {
    await stop(driver, true);
    throw e;
  }
}

type Session = Awaited<ReturnType<typeof startSession>>;

/**
 * Sizes the window so that the page's viewport is `viewport`; throws when it cannot. GTK applies
 * a window rect asynchronously: WebDriver answers before the page's viewport follows, on a fast
 * machine reliably so. Each try waits until the viewport reaches the target or holds still.
 */
async function sizeWindow(s: Session, viewport: Viewport) {
  const inner = async () =>
    (await s.command('POST', '/execute/sync', {
      script: 'return [innerWidth, innerHeight]',
      args: [],
    })) as [number, number];
  const fits = (v: [number, number]) => v[0] == viewport.width && v[1] == viewport.height;
  let target = { width: viewport.width, height: viewport.height };
  let seen: [number, number] = [0, 0];
  for (let i = 0; i < 5; i++) {
    await s.command('POST', '/window/rect', target);
    // Settled: the target reached, or the same size read 150 ms apart (2 s at most).
    let last = await inner();
    for (let t = 0, still = 0; t < 40 && still < 3 && !fits(last); t++) {
      await sleep(50);
      const now = await inner();
      still = now[0] == last[0] && now[1] == last[1] ? still + 1 : 0;
      last = now;
    }
    seen = last;
    if (fits(seen)) return;
    target = {
      width: target.width + viewport.width - seen[0],
      height: target.height + viewport.height - seen[1],
    };
  }
  throw new Error(
    `WebKit: MiniBrowser cannot show a ${viewport.width}×${viewport.height} viewport ` +
      `(the page saw ${seen[0]}×${seen[1]}; its window has a minimum width, about 447 px)`,
  );
}

interface Entry {
  type?: string;
  text?: string;
  error?: string;
}

async function newContext(s: Session, viewport: Viewport): Promise<EngineContext> {
  await sizeWindow(s, viewport).catch(async (e) => {
    await s.quit();
    throw e;
  });
  let lock: Promise<unknown> = Promise.resolve();
  let current = (await s.command('GET', '/window')) as string;
  let firstUsed = false;
  const open = new Set<string>();

  /** Runs `fn` alone on the session, with `handle` as its current tab. */
  function onTab<T>(handle: string, fn: () => Promise<T>): Promise<T> {
    const run = lock.then(async () => {
      if (current != handle) {
        await s.command('POST', '/window', { handle });
        current = handle;
      }
      return fn();
    });
    lock = run.catch(() => {});
    return run;
  }

  return {
    async newPage() {
      let handle: string;
      if (!firstUsed) {
        firstUsed = true;
        handle = current;
      } else {
        const made = (await onTab([...open][0] ?? current, () =>
          s.command('POST', '/window/new', { type: 'window' }),
        )) as { handle: string };
        handle = made.handle;
        await onTab(handle, () => sizeWindow(s, viewport));
      }
      open.add(handle);
      let sink: PageLog | undefined;
      const drain = (entries: Entry[] | undefined) => {
        for (const e of entries || []) {
          if (e.error !== undefined) sink!.error(e.error);
          else sink!.console(e.type!, e.text!);
        }
      };
      const DRAIN = '(window.__engineLog ? window.__engineLog.splice(0) : [])';
      const run = (expression: string) =>
        onTab(handle, async () => {
          const r = (await s.command('POST', '/execute/async', {
            script: `var done = arguments[arguments.length - 1];
              Promise.resolve().then(function () { return ${expression}; }).then(
                function (v) { done({ v: v, u: v === undefined, log: ${DRAIN} }); },
                function (e) { done({ e: String((e && e.stack) || e), log: ${DRAIN} }); });`,
            args: [],
          })) as { v?: unknown; u?: boolean; e?: string; log?: Entry[] };
          drain(r.log);
          if (r.e !== undefined) throw new Error('WebKit: evaluation failed: ' + r.e);
          // WebDriver sends `undefined` as null; the flag keeps the difference, as Playwright does.
          return r.u ? undefined : r.v;
        });
      // `release` lets go of every key and button after the actions (WebDriver keeps them down).
      const actions = (list: unknown[], release = true) =>
        onTab(handle, async () => {
          await s.command('POST', '/actions', { actions: list });
          if (release) await s.command('DELETE', '/actions');
        });
      const keys = (sequence: string[][]) =>
        actions([
          {
            type: 'key',
            id: 'keyboard',
            actions: sequence.flatMap((chord) => [
              ...chord.map((value) => ({ type: 'keyDown', value })),
              ...[...chord].reverse().map((value) => ({ type: 'keyUp', value })),
            ]),
          },
        ]);
      const pointer = (list: unknown[], release?: boolean) =>
        actions(
          [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions: list }],
          release,
        );
      return createEnginePage(
        'webkit',
        {
          async goto(url) {
            await run('null').catch(() => {}); // keep what the page logged before leaving it
            await onTab(handle, () => s.command('POST', '/url', { url }));
          },
          run,
          click: (x, y) =>
            pointer([
              { type: 'pointerMove', x: Math.round(x), y: Math.round(y), origin: 'viewport' },
              { type: 'pointerDown', button: 0 },
              { type: 'pointerUp', button: 0 },
            ]),
          move: (x, y) =>
            pointer([
              { type: 'pointerMove', x: Math.round(x), y: Math.round(y), origin: 'viewport' },
            ]),
          down: (x, y) =>
            pointer(
              [
                { type: 'pointerMove', x: Math.round(x), y: Math.round(y), origin: 'viewport' },
                { type: 'pointerDown', button: 0 },
              ],
              false,
            ),
          up: () => pointer([{ type: 'pointerUp', button: 0 }]),
          press: (key) => keys([key.split('+').map((k) => KEYS[k] ?? k)]),
          type: (text) => keys([...text].map((c) => [c == '\n' ? KEYS.Enter : c])),
          screenshot: (path) =>
            onTab(handle, async () => {
              const png = (await s.command('GET', '/screenshot')) as string;
              await writeFile(path, Buffer.from(png, 'base64'));
            }),
          async close() {
            await run('null').catch(() => {});
            open.delete(handle);
            // Closing the last tab would end the session; the context's close() does that.
            if (open.size)
              await onTab(handle, async () => {
                await s.command('DELETE', '/window');
                current = ''; // no current tab until the next command switches to one
              });
          },
        },
        (log) => void (sink = log),
      );
    },
    close: () => lock.then(() => s.quit()),
  };
}

/**
 * Starts a private Xvfb; every context launches its own MiniBrowser on it, when it is opened.
 * Not ahead of time: a MiniBrowser started while a test runs takes the X keyboard focus from
 * the test's window (there is no window manager), and then `:focus-visible` never matched in the
 * keyboard test; starting one also competes for the CPU while the test's page boots (WebKit's
 * IndexedDB open then passed the widget's 1.5 s bound on a busy machine).
 */
export async function launch(): Promise<EngineBrowser> {
  const xvfb = await startXvfb();
  const contexts = new Set<EngineContext>();
  let version = 'webkitgtk (version known once a page is open)';
  const self: EngineBrowser = {
    engine: 'webkit',
    get version() {
      return version;
    },
    connected: () => xvfb.proc.exitCode === null && xvfb.proc.signalCode === null,
    async newContext(options = {}) {
      // A new MiniBrowser that does not answer (its session never starts) is tried once more,
      // fresh, and said so; any other failure, or a second one, is the test's error.
      let session: Session | undefined;
      for (let attempt = 1; !session; attempt++) {
        try {
          session = await startSession(xvfb.display);
        } catch (e) {
          if (attempt > 1 || !/did not (answer|start)/.test(String(e))) throw e;
          console.warn(`${e}\n(WebKit: trying once more with a fresh WebKitWebDriver)`);
        }
      }
      version = session.version;
      const context = await newContext(session, options.viewport || { width: 1280, height: 720 });
      contexts.add(context);
      return {
        newPage: context.newPage,
        async close() {
          contexts.delete(context);
          await context.close();
        },
      };
    },
    newPage: (options) => pageInOwnContext(self, options),
    async close() {
      await Promise.all([...contexts].map((c) => c.close()));
      await stop(xvfb.proc);
    },
  };
  return self;
}
