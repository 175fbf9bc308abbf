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
