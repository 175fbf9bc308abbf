/**
 * The contact form of the script-tag build (`dist/form.js`), with its English (ui/form-strings.ts;
 * ui.js knows the keys): loaded by ui.js once the form could
 * be needed (the chat window is open while no agent is online, or with `requireLogin`), never for
 * a visitor who only chats. Like the file layer (src/files.ts), it carries no Preact: ui.js hands
 * its own over through {@link install} (see ui/preact-shim.ts).
 */
export * from './ui/form-view';
export { install } from './ui/preact-shim';
