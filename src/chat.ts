/**
 * The chat layer of the script-tag build (`dist/chat.js`), loaded by main.ts after the page's
 * `load` event: commands, outbox, messages and auto-message rules on top of the kernel.
 */
export { installChat } from './core/widget';
