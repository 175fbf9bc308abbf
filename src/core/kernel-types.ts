/**
 * The presence kernel's shape (core/kernel.ts implements it): what the chat layer may call and
 * read. Types only: nothing here reaches a bundle.
 */
import type { ClientFrame, Device, PageInfo } from '../protocol';
import type { WidgetEvents } from './commands';
import type { Config, ResolvedConfig } from './config';
import type { Emitter } from './emitter';
import type { Identity } from './identity';
import type { Logger, Warn } from './log';
import type { TabChannel } from './tabs';
import type { WidgetState } from './state';
import type { StoredVisitor } from './visitor';
import type { ConsentStore, KeyValueStore } from './storage';

/** Options of the presence kernel: the config keys plus the injectable environment. */
export interface KernelOptions extends Config {
  /** The page's window (default: the global one, if any). Pass nothing in Node to run headless. */
  window?: Window;
  /** Where to persist (default: IndexedDB in the widget's own database, memory as fallback). */
  storage?: KeyValueStore;
  /** Where warnings go (default: console). */
  logger?: Logger;
  /** Clock (default: Date.now). */
  now?: () => number;
}

/**
 * The presence kernel: what must run before the page's `load` event — config, storage,
 * identity, activity, heartbeats, page views, the connection and the blocked state. The chat
 * layer (commands, outbox, messages, rules: core/widget.ts) plugs in through `chat`, later in
 * the script-tag build. Internal: its shape may change between versions.
 */
export interface Kernel {
  /**
   * The config: the keys the kernel reads, checked; the chat layer completes it with its own
   * (core/chat-config.ts, from `otherKeys`) before anything reads those.
   */
  readonly config: ResolvedConfig;
  /** The config keys the kernel does not read, unchecked, on a prototype-free object. */
  readonly otherKeys: Readonly<Record<string, unknown>>;
  readonly warn: Warn;
  readonly now: () => number;
  /** Makes an id (core/id.ts): the chat layer's client ids share the kernel's copy. */
  readonly newId: () => string;
  readonly win?: Window;
  readonly doc?: Document;
  readonly device: Device;
  readonly emitter: Emitter<WidgetEvents>;
  /** The current state snapshot; `set` replaces it. */
  readonly state: WidgetState;
  /** Applies a patch to the state, re-derives what follows from it and tells the subscribers. */
  set(patch: Partial<WidgetState>): void;
  /**
   * How `set` derives the fields that follow from the visitor and the config (`visible`,
   * `customer`...): the chat layer's (core/derive.ts), on the new state, with the patch.
   */
  deriveState(fn: (state: WidgetState, patch: Partial<WidgetState>) => void): void;
  readonly subscribers: Set<(state: WidgetState) => void>;
  /** The consent-gated store in use (replaced when consent is withdrawn). */
  readonly store: ConsentStore;
  save(key: string, value: unknown): void;
  readonly visitor: StoredVisitor;
  /**
   * Changes what the device keeps about the visitor: saves it and re-derives the state (with
   * `state`, a state patch applied in the same step).
   */
  updateVisitor(patch: Partial<StoredVisitor>, state?: Partial<WidgetState>): void;
  readonly identity?: Identity;
  /** Sends while connected; frames that miss the connection are covered by the next hello. */
  send(frame: ClientFrame, final?: boolean): unknown;
  hello(): void;
  /** A `welcome` arrived on this connection (the outbox may be flushed). */
  readonly welcomed: boolean;
  /**
   * The largest file the server takes, from the last `welcome` (`maxFile`), set by the chat
   * layer; the file layer refuses a larger one at once. Undefined: not known.
   */
  maxFile?: number;
  /** The page this tab shows, as last reported (the chat layer tracks single-page-app views). */
  readonly page: PageInfo;
  readonly pageStartedAt: number;
  /** A page view starts now (`page`: this tab now shows it; nothing: the page stays as it is). */
  setPage(page?: PageInfo): void;
  /**
   * Plugs the chat layer in: every server frame after the kernel's own handling goes to
   * `frame` (a prototype-free record: the chat layer validates the rest with
   * parseServerRecord). Returns the frames that arrived before, in order.
   */
  attachChat(frame: (f: Record<string, unknown>) => void): Record<string, unknown>[];
  /**
   * Marketing consent withdrawn: wipes `keys` (STORE_KEYS: the chat layer's list, kept out of
   * the pre-`load` bundle) from the device and keeps going in memory.
   */
  withdrawConsent(keys: readonly string[]): void;
  /**
   * Starts over as a new visitor (`logout`): a new identity, saved, and an empty visitor in
   * memory. The chat layer deletes what was stored first (STORE_KEYS, `visitor` among them).
   */
  resetIdentity(): Identity;
  /**
   * The visitor's channel to their other tabs (core/tabs.ts), once booted, where the browser
   * has BroadcastChannel: the connection relay and the chat layer's mirror share it.
   */
  readonly tabs?: TabChannel;
  /** Resolves once identity is loaded and presence has started. */
  readonly booted: Promise<void>;
  readonly destroyed?: boolean;
  /**
   * Opens the transport again (it reconnects by itself otherwise): after a back/forward-cache
   * restore, and once the script-tag build has put the HTTP transport in the WebSocket's place
   * (chat.ts).
   */
  reopen(): void;
  destroy(): void;
}

/** The kernel as it writes itself (and core/kernel-frames.ts): the fields it exposes read-only. */
export type KernelInternals = { -readonly [P in keyof Kernel]: Kernel[P] };
