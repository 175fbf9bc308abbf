/**
 * The file layer of the script-tag build (`dist/files.js`): uploads, attachments, rating and
 * transcript — the core's part (core/files.ts, for `sendFile` and `chat:file` too) and the UI's
 * (ui/files-view.ts). Loaded by chat.js on the first file command and by ui.js when the chat
 * window opens or a message with files arrives, never before the page's `load`. It carries no
 * Preact: ui.js hands its own over through {@link install} (see ui/preact-shim.ts).
 */
export { createFiles } from './core/files';
export * from './ui/files-view';
export { install } from './ui/preact-shim';
