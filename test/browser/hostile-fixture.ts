/**
 * Browser-side fixture of the hostile-input tests (bundled as /fixture.js): like ui-fixture.ts,
 * an in-memory server exposed as `window.chat`, but with the auto-message rules the page puts in
 * `window.__rules` before this script runs.
 */
import { createMemoryTransport } from '../../src/transport/memory';

const w = window as unknown as {
  chat: unknown;
  __rules?: unknown[];
  _smartsupp?: Record<string, unknown>;
};
const transport = createMemoryTransport({ latencyMs: 5, server: { rules: w.__rules || [] } });
w.chat = { server: transport.server };
w._smartsupp = w._smartsupp || {};
w._smartsupp.transport = transport;
