/**
 * The chat layer of the script-tag build (`dist/chat.js`), loaded by main.ts after the page's
 * `load` event: commands and state on top of the kernel, and the launcher shell drawn without
 * Preact. The conversation (`conversation.js`), the auto messages (`rules.js`) and the UI
 * (`ui.js`) load only when they are needed.
 */
import type { ChunkLoader } from './core/chunk';
import type { Kernel } from './core/kernel';
import {
  installChat,
  type ConversationModule,
  type FilesModule,
  type RulesModule,
  type Widget,
} from './core/widget';
import type { Transport } from './transport/types';
import { createShell, type Shell } from './ui/shell';
import { SHELL_CSS } from './ui/shell-styles';

export { installChat };

/** What `lang.js` exports to chat.js and ui.js. */
export type LangModule = typeof import('./lang');

/** What `ui.js` exports to the script-tag build. */
export interface UIModule {
  mount(widget: Widget, shell?: Shell, own?: { shellCss: string }, loader?: ChunkLoader): unknown;
}

/**
 * Installs the chat layer with the launcher shell: `ui.js` (through `chunk`) is imported when the
 * visitor opens the chat, a message or auto message arrives or `chat:open` is called — or
 * earlier, as a prefetch, when the pointer, the focus or a touch reaches the launcher. A language
 * other than English loads its table, `lang/<code>.js`, the same way when it is first used.
 */
export function startChat(k: Kernel, chunk: ChunkLoader): Widget {
  httpWhenRefused(k, chunk);
  let ui: Promise<UIModule> | undefined;
  let shell: Shell | undefined;
  const fetchUI = () => {
    // A failed load is tried again next time, not remembered.
    ui ||= chunk<UIModule>('ui.js').catch((e) => {
      ui = undefined;
      throw e;
    });
    return ui;
  };
  return installChat(
    k,
    // Without the shell (`chat:open` before it was drawn) the UI's root needs the launcher's
    // stylesheet too: the shell's rules (launcher, preview, `.sr`) are not in ui.js.
    (w) =>
      fetchUI().then(
        (m) => void m.mount(w, shell, shell ? undefined : { shellCss: SHELL_CSS }, chunk),
      ),
    (w) => {
      if (k.doc) shell = createShell(w, k.doc, () => void fetchUI().catch(() => {}), chunk, k.warn);
    },
    undefined,
    // The file layer (files.js): the first `sendFile` or `chat:file`, or ui.js when it shows files.
    () => chunk<FilesModule>('files.js'),
    {
      // The conversation layer (conversation.js): when a conversation starts (core/widget.ts).
      conversation: () => chunk<ConversationModule>('conversation.js'),
      // The auto messages (rules.js): once the options or the server give rules.
      rules: () => chunk<RulesModule>('rules.js'),
    },
  );
}

/**
 * The HTTP transport in the WebSocket's place when WebSockets do not get through: the server was
 * not reached over one (a proxy or a firewall that refuses the upgrade, or a server down just
 * then). Only for the WebSocket main.ts made because the site chose no `transport`; once a page,
 * as soon as the first connection failed (or when this layer loads, if that was earlier). A
 * WebSocket this tab opens later (it leads the visitor's connection once the tab that led has
 * closed, or after a back/forward restore) is judged alike, on its own: that this tab reached
 * the server through the other tab's HTTP says nothing of it. Ahead of installChat's
 * subscribers: "cannot reach the chat server" is said only if HTTP fails too.
 */
function httpWhenRefused(k: Kernel, chunk: ChunkLoader) {
  const t = k.config.transport as Transport;
  const open = t?.open;
  // (A page whose Object.prototype has a `transport` key keeps the WebSocket alone.)
  const page = (k.win as { _smartsupp?: { transport?: unknown } } | undefined)?._smartsupp;
  // Without a `transport` the page has one only when it set a `server` (main.ts).
  let tried = !t || page?.transport !== undefined;
  // This tab's own WebSocket, opened later (it leads once the tab that led has closed): the
  // server counts as not reached until it welcomes this one.
  if (!tried)
    t.open = (l) => {
      open(l);
      k.set({ reached: undefined });
    };
  function go() {
    if (tried) return;
    tried = true;
    // After the socket's own close handler, which has set its next try: this cancels it.
    setTimeout(t.close);
    k.set({ reached: undefined, connection: 'connecting' });
    void chunk<typeof import('./http')>('http.js').then((m) => m.takeOver(k));
  }
  k.subscribers.add((s) => s.reached === false && go());
}
