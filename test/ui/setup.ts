/** Mounts the real UI on a real core (memory transport, memory store) inside happy-dom. */
import { vi } from 'vitest';
import { createWidget, type WidgetOptions } from '../../src/core/widget';
import { createMemoryStore, type KeyValueStore } from '../../src/core/storage';
import { createMemoryTransport } from '../../src/transport/memory';
import { mount } from '../../src/ui/npm';
import { flush } from '../helpers/widget';

export { flush };

const mounted: Array<() => void> = [];

/**
 * A core without a UI on `transport` and a memory store, once ready: for the tests that mount the
 * UI themselves (lazy chunks, a UI that mounts on an open chat).
 */
export async function readyWidget(
  transport: WidgetOptions['transport'],
  options: Partial<WidgetOptions> = {},
) {
  const widget = createWidget({
    key: 't',
    ui: false,
    storage: createMemoryStore(),
    logger: { warn: vi.fn() },
    ...options,
    transport,
  });
  await widget.ready();
  return widget;
}

/** A widget with the UI mounted, and helpers to query its shadow root and drive it. */
export async function mountUI(
  options: Partial<WidgetOptions> & { storage?: KeyValueStore; online?: boolean } = {},
) {
  const transport = createMemoryTransport();
  if (options.online === false) transport.server.setOnline(false);
  const logger = { warn: vi.fn() };
  const widget = await readyWidget(transport, { logger, ...options });
  await flush();
  const unmount = mount(widget);
  mounted.push(() => {
    unmount();
    widget.destroy();
  });
  await flush();
  const host = document.querySelector('[data-visitor-chat]') as HTMLElement;
  const root = host.shadowRoot!;
  const $ = <E extends Element = HTMLElement>(sel: string) =>
    root.querySelector<E>(sel as 'div') as E | null;
  const $$ = (sel: string) => Array.from(root.querySelectorAll<HTMLElement>(sel));
  const text = (sel: string) => $(sel)?.textContent ?? null;
  const click = async (sel: string | Element) => {
    const el = typeof sel == 'string' ? $(sel) : sel;
    if (!el) throw new Error('nothing matches ' + String(sel));
    (el as HTMLElement).click();
    await flush();
  };
  const type = async (sel: string, value: string) => {
    const el = $<HTMLInputElement | HTMLTextAreaElement>(sel)!;
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    await flush();
  };
  const key = async (sel: string | Element, k: string, init: KeyboardEventInit = {}) => {
    const el = typeof sel == 'string' ? $(sel)! : sel;
    el.dispatchEvent(
      new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init }),
    );
    await flush();
  };
  const open = async () => {
    await widget.open();
    await flush();
  };
  const server = transport.server;
  const sent = () => server.received.flatMap((f) => (f.t == 'msg' ? [f.text] : []));
  return {
    widget,
    server,
    transport,
    host,
    root,
    $,
    $$,
    text,
    click,
    type,
    key,
    open,
    sent,
    unmount,
    logger,
  };
}

/**
 * Gives the mounted widget a conversation of `n` agent messages ("Message 1" … "Message n") on
 * the server, delivered by a reconnect's `welcome` (its newest page; older ones on request).
 */
export async function withHistory(ui: Awaited<ReturnType<typeof mountUI>>, n: number) {
  for (let i = 1; i <= n; i++)
    ui.server.messages.push({ id: 'h' + i, from: 'agent', text: 'Message ' + i, at: i });
  ui.server.disconnect();
  await flush();
  ui.server.connect();
  await flush();
}

/** Removes what a test mounted (each test gets a clean body). */
export function cleanup() {
  for (const stop of mounted.splice(0)) stop();
  for (const el of Array.from(document.querySelectorAll('[data-visitor-chat]'))) el.remove();
}
