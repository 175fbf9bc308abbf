/**
 * Starts the built server (`node dist/server.js`, as `npm start` runs it) as a child process on
 * a free port, for tests of what only a real process shows: signals, exit codes, kill -9.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A running server process. */
export interface NodeProcess {
  proc: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/**
 * Starts `dist/server.js` with `env` added; resolves once it prints its demo URL. `onOutput`
 * sees what it printed so far, each time it prints.
 */
export async function startNode(
  env: Record<string, string>,
  onOutput?: (out: string) => void,
): Promise<NodeProcess> {
  const proc = spawn(process.execPath, [join(process.cwd(), 'dist', 'server.js')], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    // A bound, not a speed goal: on a 2-core machine at load 24 (three test lanes and other
    // runs) a node printed nothing within 20 s; the suites' hooks allow 60 s.
    const t = setTimeout(() => reject(new Error('no URL within 45 s: ' + out)), 45_000);
    const read = (d: Buffer) => {
      out += d;
      onOutput?.(out);
      const m = /Demo site: +(http:\/\/\S+?)\/?$/m.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', read);
    proc.stderr!.on('data', read);
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`exited ${code} before listening: ${out}`));
    });
  });
  return { proc, url, output: () => out, exited };
}

/** Runs `dist/server.js` to its end (for settings it refuses); resolves the code and output. */
export function runNode(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, [join(process.cwd(), 'dist', 'server.js'), ...args], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    proc.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    }),
  );
}
