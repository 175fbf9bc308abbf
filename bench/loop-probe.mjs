// A bare Node process that does nothing but time its own event loop (perf_hooks
// monitorEventLoopDelay): the delay any process on this machine sees from waiting for a core.
// Beside a node's own figures (its /metrics), it tells the node's work from the machine's load.
import { spawn } from 'node:child_process';

const CHILD = `
const { monitorEventLoopDelay } = require('node:perf_hooks');
const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();
process.on('message', (m) => {
  if (m == 'read') process.send({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 });
  h.reset();
});
process.on('disconnect', () => process.exit(0));
`;

/** Starts the probe: `read()` resolves {p50, p99, max} in ms since the last read, `stop()`. */
export function startLoopProbe() {
  const child = spawn(process.execPath, ['-e', CHILD], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    read: () =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('loop probe: no answer')), 10_000);
        child.once('message', (m) => {
          clearTimeout(t);
          resolve(m);
        });
        child.send('read');
      }),
    async stop() {
      if (child.exitCode == null) child.disconnect();
      await exited;
    },
  };
}
