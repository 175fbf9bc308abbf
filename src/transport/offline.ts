import type { Transport } from './types';

/** A transport that never connects: messages wait in the outbox until one is configured. */
export const offline: Transport = {
  open: (l) => l.status('closed'),
  send: () => false,
  close() {},
};
