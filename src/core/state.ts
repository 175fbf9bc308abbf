import type { Message, Profile, QuickReply, VariableValue } from '../protocol';
import type { ConnectionStatus } from '../transport/types';
import type { ResolvedConfig } from './config';

/** Delivery state of a visitor message: in the outbox, acknowledged, or not acknowledged in time. */
export type Delivery = 'sending' | 'sent' | 'failed';

/** A message in the widget's state; visitor messages carry their delivery state. */
export interface ChatMessage extends Message {
  status?: Delivery;
}

/** The auto message (or proactive first message) currently offered as a popup. */
export interface AutoMessage {
  /** Rule id, or the message id for a proactive agent message. */
  rule: string;
  text: string;
  name?: string;
  replies?: QuickReply[];
}

/** Theme set by `color` or `theme:color`. */
export interface Theme {
  color?: string;
  color2?: string;
  gradient: boolean;
}

/** Everything a UI needs, as one plain, immutable snapshot. */
export interface WidgetState {
  /** Storage is loaded and queued commands have run. */
  ready: boolean;
  /** Visitor id, once known. */
  vid: string | null;
  connection: ConnectionStatus;
  /**
   * The chat server was reached on this page: `true` once it answered (a `welcome`), `false`
   * when an attempt failed before it ever did (the transport keeps retrying), `undefined` before
   * the first attempt ended. A chat layer loaded while the connection is down after a failed
   * attempt starts from `false` (the kernel keeps no history).
   */
  reached?: boolean;
  /** The widget should be shown (config, `chat:show`/`chat:hide`, not blocked, not hidden on mobile). */
  visible: boolean;
  /** The chat window is open. */
  open: boolean;
  /** An agent blocked this visitor: the widget disappears and chat is refused. */
  blocked: boolean;
  agentsOnline: boolean;
  agentTyping: boolean;
  messages: ChatMessage[];
  /** The server holds older messages of this conversation than `messages` starts with. */
  older: boolean;
  /** A page of older messages was asked for (`loadOlder`) and has not arrived yet. */
  loadingOlder: boolean;
  /** Messages from agents, bots and auto messages not yet seen with the window open. */
  unread: number;
  /** Composer text (`chat:message` pre-fills it). */
  draft: string;
  profile: Profile;
  variables: Record<string, VariableValue>;
  /** Identified by name, email, phone, the contact form or `identify`. */
  customer: boolean;
  group?: string;
  lang: string;
  /** UI strings overridden with the `translations` command. */
  translations: Record<string, string>;
  theme: Theme;
  autoMessage: AutoMessage | null;
  consent: { analytics: boolean; marketing: boolean };
  /** `requireLogin` is set and the visitor is not identified yet: show the contact form first. */
  needsContactForm: boolean;
  /** Visit number and whether this is a returning visitor. */
  visits: number;
  config: ResolvedConfig;
}

/** The fields of {@link WidgetState} the chat layer owns and initialises (core/widget.ts). */
export type ChatStateKey =
  | 'open'
  | 'agentTyping'
  | 'messages'
  | 'older'
  | 'loadingOlder'
  | 'unread'
  | 'draft'
  | 'translations'
  | 'theme'
  | 'autoMessage';

/**
 * The fields the kernel's `set` derives on every change (from the visitor and the config), once
 * the chat layer has told it how (core/derive.ts).
 */
export type DerivedStateKey =
  'visible' | 'profile' | 'variables' | 'customer' | 'group' | 'needsContactForm' | 'reached';

/** The state the presence kernel starts with, before a chat layer is installed. */
export type KernelState = Omit<WidgetState, ChatStateKey | DerivedStateKey>;

/**
 * The state the presence kernel starts with. The derived fields come with the chat layer's first
 * `set` (nothing reads them before); the chat layer's fields (messages, unread, draft,
 * theme...) are set by installChat before anything reads them: they cost the pre-`load` bundle
 * nothing.
 */
export const kernelState = (config: ResolvedConfig, browserLang?: string): KernelState => ({
  ready: false,
  vid: null,
  connection: 'connecting',
  blocked: false,
  agentsOnline: false,
  // `lang: 'auto'` is settled by the chat layer (core/language.ts, kept out of this file's
  // bytes); until then, the browser's own language is what the hello reports.
  lang: config.lang == 'auto' ? browserLang || 'en' : config.lang,
  consent: { analytics: false, marketing: false },
  visits: 0,
  config,
});
