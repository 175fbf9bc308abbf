import { isLoopback } from './config';

/**
 * Open connections per client address (WebSockets, event streams and waiting long-polls
 * together): one address may hold at most `max` at once. Without it, one client (no token needed
 * for a WebSocket that never says hello) could open sockets until the process ran out of file
 * descriptors, and then the server could accept no one (nor open a file). A loopback address is
 * not limited: it is a proxy in front whose `X-Forwarded-For` is not believed (no `TRUST_PROXY`:
 * every visitor would share its slots) or a tool on this machine (`bench/visitors.mjs`), not a
 * client on the internet.
 */
export interface AddressSlots {
  /** Takes a slot for `address`; false when it holds `max` already. */
  take(address: string): boolean;
  /** Gives back a slot taken for `address`. */
  give(address: string): void;
  /** Most connections one address may hold. */
  readonly max: number;
}

/** Creates the counter; `max` connections per address. */
export function createAddressSlots(max: number): AddressSlots {
  const open = new Map<string, number>();
  return {
    max,
    take(address) {
      if (isLoopback(address)) return true;
      const n = open.get(address) ?? 0;
      if (n >= max) return false;
      open.set(address, n + 1);
      return true;
    },
    give(address) {
      if (isLoopback(address)) return;
      const n = (open.get(address) ?? 0) - 1;
      if (n > 0) open.set(address, n);
      else open.delete(address);
    },
  };
}
