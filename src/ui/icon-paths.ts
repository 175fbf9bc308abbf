/**
 * Path data of the icons both the launcher shell (chat.js) and the UI (ui/icons.tsx) draw (the
 * launcher's speech bubble is CSS: `.ic` in ui/shell-styles.ts).
 */

/** A cross: close and dismiss buttons (stroked). */
export const CLOSE_PATH = 'M6 6l12 12M18 6L6 18';
