import type { Ref } from 'preact';
import { count, type Strings } from './i18n';
import { DownIcon } from './icons';

/** Props of {@link Launcher}. */
export interface LauncherProps {
  open: boolean;
  unread: number;
  t: Strings;
  /** The UI language (for the plural of the unread count). */
  lang: string;
  buttonRef: Ref<HTMLButtonElement>;
  onClick(): void;
}

/**
 * The round button in the page corner. It opens and closes the chat; its accessible name says
 * what it does and how many messages are unread (the badge itself is hidden from screen readers).
 */
export function Launcher({ open, unread, t, lang, buttonRef, onClick }: LauncherProps) {
  const label = (open ? t.close : t.open) + (unread ? ', ' + count(t.unread, unread, lang) : '');
  return (
    <button
      ref={buttonRef}
      type="button"
      class="ln"
      aria-label={label}
      aria-expanded={open}
      aria-controls={open ? 'vc-w' : undefined}
      onClick={onClick}
    >
      {open ? <DownIcon /> : <span class="ic" />}
      {unread > 0 && (
        <span class="bd" aria-hidden="true">
          {unread > 99 ? '99+' : unread}
        </span>
      )}
    </button>
  );
}
