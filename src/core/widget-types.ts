import type { Message, Profile } from '../protocol';
import type { CommandName, Commands, EventName, Listener } from './commands';
import type { Files } from './files';
import type { KernelOptions } from './kernel';
import type { WidgetState } from './state';

/** Options of {@link createWidget}: the config keys plus injectable environment. */
export interface WidgetOptions extends KernelOptions {
  /**
   * `false` (or nothing) runs headless. A function mounts a UI: the core calls it once, after
   * the page's `load` event on idle time, or at once when a message arrives or the chat opens.
   * A function it returns (or resolves to), such as `mount`'s, is called by `destroy()` to take
   * the UI off the page; a rejected promise is warned about.
   * @example ui: (w) => import('visitor-chat/ui').then((m) => m.mount(w))
   */
  ui?: false | ((widget: Widget) => unknown);
}

/** The headless widget: state, events, commands and actions. */
export interface Widget {
  /** Current state snapshot (immutable; replaced on every change). */
  readonly state: WidgetState;
  /** Calls `fn` with each new state; returns an unsubscribe function. */
  subscribe(fn: (state: WidgetState) => void): () => void;
  /** Subscribes to an event; returns an unsubscribe function. */
  on<K extends EventName>(event: K, fn: Listener<K>): () => void;
  off<K extends EventName>(event: K, fn: Listener<K>): void;
  /**
   * Runs a command by its public name once the widget is ready. Rejects with a clear error on
   * an unknown command or a bad argument.
   * @example await widget.run('name', 'Ada');
   */
  run<E extends EventName>(command: 'on' | 'off', event: E, listener: Listener<E>): Promise<void>;
  run<K extends Exclude<CommandName, 'on' | 'off'>>(
    command: K,
    ...args: Commands[K]
  ): Promise<void>;
  /** Runs snippet-style arguments (`['name', 'Ada']` or `[fn]`); never throws, warns instead. */
  exec(args: ArrayLike<unknown>): void;
  /** Resolves once storage is loaded and queued commands have run. */
  ready(): Promise<WidgetState>;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Sends a visitor message; resolves with it once it is in the outbox. */
  send(text: string): Promise<Message>;
  /**
   * Uploads a file to the chat server (the `server` option) and sends it as the visitor's
   * message; resolves with it once it is in the outbox. Rejects for anything but a File or Blob.
   * @example input.onchange = () => widget.sendFile(input.files[0]);
   */
  sendFile(file: Blob): Promise<Message>;
  /** The file layer (uploads, attachments, rating, transcript: core/files.ts), loaded on demand. */
  files(): Promise<Files>;
  /** Submits the contact form: identifies the visitor (a customer from now on). */
  submitContactForm(fields: Profile & { consent?: boolean }): Promise<void>;
  /** Sends the value of a quick-reply button as the visitor's message. */
  pickQuickReply(messageId: string, value: string): Promise<Message>;
  /** Resends a visitor message whose delivery failed. */
  retry(cid: string): void;
  /**
   * Asks the server for the page of messages before the oldest one shown, when it has older
   * ones (`state.older`) and none are on their way (`state.loadingOlder`); they are prepended.
   */
  loadOlder(): void;
  /** Marks every message read (the window is showing them). */
  markRead(): void;
  /** Dismisses the auto-message popup without opening the chat. */
  dismissAutoMessage(): void;
  /** Updates the composer text (and tells the server the visitor is typing). */
  setDraft(text: string): void;
  /**
   * Stops everything: listeners, timers, the transport, and the UI of the `ui` option when it
   * gave back a function that removes it (`mount` does). What waits (`ready()`, commands) then
   * rejects, and so does every later call.
   */
  destroy(): void;
}
