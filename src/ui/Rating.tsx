import { useEffect, useState } from 'preact/hooks';
import type { Files, RatingStep } from '../core/files';
import { MAX_COMMENT } from '../protocol';
import type { Strings } from './i18n';
import { CloseIcon } from './icons';

/** Props of {@link Rating}. */
export interface RatingProps {
  step: Exclude<RatingStep, null>;
  files: Files;
  t: Strings;
  announce(text: string): void;
}

/**
 * The card's controls go away when it is sent or dismissed: the focus moves to the composer
 * first, not to the page.
 */
const toComposer = (e: Event) =>
  ((e.currentTarget as Element).getRootNode() as ShadowRoot).getElementById('vc-in')?.focus();

/**
 * The rating asked once the conversation is closed (by an agent, or the visitor's End chat):
 * good or bad (toggle buttons), an optional comment, Send; then a thank-you. Announced in the
 * live region rather than taking the focus from a visitor who is typing.
 */
export function Rating({ step, files, t, announce }: RatingProps) {
  const [value, setValue] = useState<'good' | 'bad'>();
  const [comment, setComment] = useState('');
  const [error, setError] = useState('');
  useEffect(() => announce(step == 'ask' ? t.rateAsk : t.thanks), [step]);
  const close = (
    <button
      type="button"
      class="mo"
      aria-label={t.dismiss}
      onClick={(e) => {
        toComposer(e);
        files.skipRating();
      }}
    >
      <CloseIcon />
    </button>
  );
  if (step == 'thanks')
    return (
      <div class="rg">
        <p>{t.thanks}</p>
        {close}
      </div>
    );
  const pick = (v: 'good' | 'bad', emoji: string, label: string) => (
    <button type="button" class="rv" aria-pressed={value == v} onClick={() => setValue(v)}>
      <span aria-hidden="true">{emoji}</span> {label}
    </button>
  );
  return (
    <form
      class="rg"
      aria-labelledby="vc-rq"
      onSubmit={(e) => {
        e.preventDefault();
        if (!value) return;
        const failed = files.rate(value, comment);
        setError(failed ? t.formFailed : '');
        if (!failed) toComposer(e);
      }}
    >
      <p id="vc-rq">{t.rateAsk}</p>
      {close}
      <div class="rb">
        {pick('good', '👍', t.good)}
        {pick('bad', '👎', t.bad)}
      </div>
      {value && (
        <>
          <label class="sr" for="vc-rc">
            {t.comment}
          </label>
          <textarea
            id="vc-rc"
            rows={2}
            dir="auto"
            maxLength={MAX_COMMENT}
            placeholder={t.comment}
            value={comment}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
          <button type="submit" class="bt">
            {t.rate}
          </button>
        </>
      )}
      {error && (
        <p class="er" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
