/**
 * The HTTP transport as a chunk of the script-tag build (`dist/http.js`): widget.js loads it
 * only for sites that choose `transport: 'http'`, or when WebSockets do not get through (see
 * chat.ts), so WebSocket sites never download it.
 */
import type { Kernel } from './core/kernel';
import { createHttpTransport } from './transport/http';
import type { Transport } from './transport/types';

export { createHttpTransport };

/**
 * Puts the HTTP transport in place of the kernel's WebSocket transport, closed already, and opens
 * it: chat.ts, when WebSockets do not get through. The kernel and the tab relay around it keep
 * the transport object, so it is the object that changes.
 */
export function takeOver(k: Kernel): void {
  const c = k.config;
  if (k.destroyed) return;
  Object.assign(
    c.transport as Transport,
    createHttpTransport({ url: c.server!, key: c.key, window: k.win }),
  );
  k.reopen();
}
