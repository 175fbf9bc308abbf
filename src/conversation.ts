/**
 * The conversation layer of the script-tag build (`dist/conversation.js`): the message list, the
 * outbox and its acks (core/delivery.ts, core/outbox.ts) and the validation of the frames that
 * carry messages. Most visitors never chat, so chat.js loads it only when a conversation starts:
 * the chat opens, the visitor sends, a message or an auto message arrives, a `welcome` carries
 * a conversation, or the device holds one from an earlier page (core/widget.ts).
 */
export { startConversation } from './core/conversation';
