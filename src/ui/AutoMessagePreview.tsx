import type { AutoMessage } from '../core/state';
import type { Strings } from './i18n';
import { CloseIcon } from './icons';

/** Props of {@link AutoMessagePreview}. */
export interface AutoMessagePreviewProps {
  message: AutoMessage;
  t: Strings;
  onOpen(): void;
  onDismiss(): void;
}

/**
 * The bubble above the launcher that shows an auto message or an agent's first proactive
 * message while the chat is closed: clicking it opens the chat, the cross dismisses it.
 */
export function AutoMessagePreview({ message, t, onOpen, onDismiss }: AutoMessagePreviewProps) {
  return (
    <div class="pv">
      <button type="button" class="pvb" onClick={onOpen}>
        <span class="nm">{message.name || t.agent}</span>
        <span class="pvt" dir="auto">
          {message.text}
        </span>
      </button>
      <button type="button" class="pvx" aria-label={t.dismiss} onClick={onDismiss}>
        <CloseIcon />
      </button>
    </div>
  );
}
