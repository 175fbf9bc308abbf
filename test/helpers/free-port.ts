/** A free TCP port on 127.0.0.1 (for services started by tests: Postgres, Redis, nginx). */
import { createServer } from 'node:net';

/** Asks the kernel for a free port, then frees it for the caller to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a service on a free port, again on another one (5 tries) when `start` fails because
 * the port was taken between `freePort` and the service's bind: a client socket's ephemeral port
 * comes from the same range, so on a busy machine another test can get it first.
 * `start(port)` rejects with the service's output, which names the bind failure.
 */
export async function startOnFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (e) {
      if (attempt >= 5 || !/address already in use|EADDRINUSE/i.test(String(e))) throw e;
    }
  }
}
