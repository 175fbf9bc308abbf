/** Path data of the icons both the launcher shell (chat.js) and the UI (ui/icons.tsx) draw. */

/** Speech bubble: the launcher while the window is closed. */
export const CHAT_PATH =
  'M12 3C6.5 3 2 6.6 2 11c0 2.4 1.3 4.6 3.4 6l-.9 3.3c-.1.5.4.9.8.6L9.6 19c.8.2 1.6.3 2.4.3 5.5 0 10-3.7 10-8.2S17.5 3 12 3z';
/** A cross: close and dismiss buttons (stroked). */
export const CLOSE_PATH = 'M6 6l12 12M18 6L6 18';
