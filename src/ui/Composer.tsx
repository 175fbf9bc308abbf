import type { Ref } from 'preact';
import { MAX_TEXT } from '../protocol';
import { count, type Strings } from './i18n';
import { ClipIcon, SendIcon } from './icons';

/** Characters left below which the counter shows. */
const COUNTER_FROM = 500;

/** Props of {@link Composer}. */
export interface ComposerProps {
  draft: string;
  t: Strings;
  /** The UI language (for the plural of the characters-left count). */
  lang: string;
  inputRef: Ref<HTMLTextAreaElement>;
  onDraft(text: string): void;
  onSend(text: string): void;
  /** Sends files (the attach button, or images pasted into the box); no attach button without. */
  onFiles?(files: File[]): void;
}

/**
 * The message box: Enter sends, Shift+Enter adds a line (and Enter while an IME composes
 * does nothing), at most {@link MAX_TEXT} characters with a counter near the limit.
 */
export function Composer({ draft, t, lang, inputRef, onDraft, onSend, onFiles }: ComposerProps) {
  const left = MAX_TEXT - draft.length;
  const near = left <= COUNTER_FROM;
  const submit = (e: Event) => {
    e.preventDefault();
    const text = draft.trim();
    if (text) onSend(text);
  };
  return (
    <form class="cp" onSubmit={submit}>
      <label class="sr" for="vc-in">
        {t.input}
      </label>
      {onFiles && (
        <button
          type="button"
          class="af"
          aria-label={t.attach}
          title={t.attach}
          onClick={(e) =>
            (e.currentTarget.parentNode as Element)
              .querySelector<HTMLInputElement>('#vc-fi')!
              .click()
          }
        >
          <ClipIcon />
        </button>
      )}
      <textarea
        id="vc-in"
        ref={inputRef}
        rows={1}
        dir="auto"
        maxLength={MAX_TEXT}
        placeholder={t.placeholder}
        value={draft}
        aria-describedby={near ? 'vc-cn' : undefined}
        onInput={(e) => onDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key == 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
        }}
        onPaste={(e) => {
          // A pasted screenshot is sent as a file; pasted text goes into the box as usual.
          const images = Array.from(e.clipboardData?.files || []).filter((f) =>
            f.type.startsWith('image/'),
          );
          if (!onFiles || !images.length) return;
          e.preventDefault();
          onFiles(images);
        }}
      />
      <button class="sd" type="submit" aria-label={t.send} disabled={!draft.trim()}>
        <SendIcon />
      </button>
      {onFiles && (
        <input
          type="file"
          id="vc-fi"
          multiple
          class="fi"
          onChange={(e) => {
            const input = e.currentTarget;
            if (input.files?.length) onFiles(Array.from(input.files));
            input.value = '';
          }}
        />
      )}
      {near && (
        <p class="cn" id="vc-cn">
          {count(t.left, left, lang)}
        </p>
      )}
    </form>
  );
}
