import { CLOSE_PATH } from './icon-paths';

/** Inline SVG icons (drawn as elements, never parsed from markup), hidden from assistive tech. */
const icon = (d: string, stroke?: boolean) => (
  <svg
    viewBox="0 0 24 24"
    aria-hidden="true"
    focusable="false"
    fill={stroke ? 'none' : 'currentColor'}
    stroke={stroke ? 'currentColor' : undefined}
    stroke-width={stroke ? 2.2 : undefined}
    stroke-linecap="round"
    stroke-linejoin="round"
  >
    <path d={d} />
  </svg>
);

/** A cross: close and dismiss buttons. */
export const CloseIcon = () => icon(CLOSE_PATH, true);
/** A chevron: the launcher while the window is open (it minimises). */
export const DownIcon = () => icon('M6 9l6 6 6-6', true);
/** A paper plane: the send button. */
export const SendIcon = () =>
  icon(
    'M3.4 20.4l17.5-7.5a1 1 0 0 0 0-1.8L3.4 3.6A1 1 0 0 0 2 4.5v4.6c0 .5.4.9.9 1L17 12 2.9 13.9c-.5.1-.9.5-.9 1v4.6a1 1 0 0 0 1.4.9z',
  );
/** A paper clip: the attach button. */
export const ClipIcon = () =>
  icon(
    'M20 11.5l-8.1 8.1a5 5 0 0 1-7.1-7.1l8.4-8.4a3.3 3.3 0 0 1 4.7 4.7l-8.4 8.4a1.7 1.7 0 0 1-2.4-2.4L15 7',
    true,
  );
/** A sheet of paper: a file that is not shown as an image. */
export const FileIcon = () => icon('M14 3H6v18h12V7zM14 3v4h4', true);
/** Three dots: the chat options menu. */
export const MoreIcon = () => icon('M5 12h.5M11.75 12h.5M18.5 12h.5', true);
