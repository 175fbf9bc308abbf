import type { ComponentChildren, Ref } from 'preact';
import { MAX_TEXT } from '../protocol';
import { count, type Strings } from './i18n';
import { SendIcon } from './icons';

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
  /** The attach button (the file layer's, ui/Attach.tsx, or a placeholder until it is here). */
  attach?: ComponentChildren;
  /** The file layer's paste handler: pasted images are sent as files. */
  onPaste?(e: ClipboardEvent): void;
}

/**
 * The message box: Enter sends, Shift+Enter adds a line (and Enter while an IME composes
 * does nothing), at most {@link MAX_TEXT} characters with a counter near the limit.
 */
export function Composer({
  draft,
  t,
  lang,
  inputRef,
  onDraft,
  onSend,
  attach,
  onPaste,
}: ComposerProps) {
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
      {attach}
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
        onPaste={onPaste}
      />
      <button
        class="sd"
        type="submit"
        aria-label={t.send}
        disabled={!draft.trim()}
        // A tap or click keeps the focus (and a phone's keyboard) in the text box.
        onMouseDown={(e) => e.preventDefault()}
      >
        <SendIcon />
      </button>
      {near && (
        <p class="cn" id="vc-cn">
          {count(t.left, left, lang)}
        </p>
      )}
    </form>
  );
}
