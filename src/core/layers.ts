import { createAutoMessages } from './auto-messages';
import { startConversation } from './conversation';
import type { createFiles } from './files';

/** What the file layer's module exports (the script-tag build's `files.js`). */
export type FilesModule = { createFiles: typeof createFiles };

/** What the conversation layer's module exports (the script-tag build's `conversation.js`). */
export type ConversationModule = { startConversation: typeof startConversation };

/** What the auto-message layer's module exports (the script-tag build's `rules.js`). */
export type RulesModule = { createAutoMessages: typeof createAutoMessages };

/**
 * The layers the chat layer starts only when they are needed: each the module itself (bundled
 * in: used from boot on) or a loader (the script tag's chunks).
 */
export interface ChatLayers {
  /** Delivery, outbox, message frames: when a conversation starts. */
  conversation: ConversationModule | (() => Promise<ConversationModule>);
  /** The auto messages and their rule engine: once there are rules. */
  rules: RulesModule | (() => Promise<RulesModule>);
}

/** Both layers bundled in (the npm entry). */
export const LAYERS: ChatLayers = {
  conversation: { startConversation },
  rules: { createAutoMessages },
};
