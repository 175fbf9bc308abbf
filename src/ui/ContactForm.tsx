import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Profile } from '../protocol';
import type { Field } from './fields';
import type { Strings } from './i18n';

/** Same shape the core accepts for `email`. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Smartsupp's phone pattern (smartsupp-api.md §6). */
const PHONE = /^\+*\(?[0-9]{1,4}\)?[-\s./0-9]*$/;
const MAX = { name: 255, email: 255, phone: 32 };
const bare = (): Record<string, string> => Object.create(null);

/** Props of {@link ContactForm}. */
export interface ContactFormProps {
  t: Strings;
  /** Fields still unknown (only these are asked). */
  fields: Field[];
  /** Show the consent checkbox; `required` makes ticking it mandatory. */
  consent: false | { required: boolean; url?: string };
  /** Why the form shows: no agent online (true) or `requireLogin` (false). */
  offline: boolean;
  /** The visitor's message, held until the form is submitted. */
  held: string | null;
  onSubmit(fields: Profile & { consent?: boolean }): Promise<void>;
}

/**
 * The contact form shown before chatting (`requireLogin`) or while no agent is online: a chunk
 * of its own (dist/form.js on ui.js's Preact; ui/use-form.ts loads it). Errors
 * are inline, tied to their field with `aria-invalid` and `aria-describedby`, and the first
 * invalid field gets focus. Name and email are required; the phone is optional.
 */
export function ContactForm({ t, fields, consent, offline, held, onSubmit }: ContactFormProps) {
  // No prototypes: a key a host page added to Object.prototype (`name`…) is not a value or an error.
  const [values, setValues] = useState<Record<string, string>>(bare);
  const [agreed, setAgreed] = useState(false);
  const [tries, setTries] = useState(0);
  const [failed, setFailed] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  useLayoutEffect(() => form.current?.querySelector('input')?.focus(), []);
  // After a refused submit has drawn its errors: the first invalid field takes the focus, its
  // error already tied to it, so a screen reader says it with the field.
  useLayoutEffect(() => {
    if (tries) form.current?.querySelector<HTMLElement>('[aria-invalid]')?.focus();
  }, [tries]);

  const errors: Record<string, string> = bare();
  for (const f of fields) {
    const v = (values[f] || '').trim();
    if (!v) {
      if (f != 'phone') errors[f] = t.required;
    } else if (f == 'email' && !EMAIL.test(v)) errors[f] = t.badEmail;
    else if (f == 'phone' && !PHONE.test(v)) errors[f] = t.badPhone;
  }
  if (consent && consent.required && !agreed) errors.consent = t.needConsent;
  const shown = tries ? errors : bare();

  const submit = (e: Event) => {
    e.preventDefault();
    setTries(tries + 1);
    setFailed(false);
    if (Object.keys(errors).length) return;
    const out: Profile & { consent?: boolean } = {};
    for (const f of fields) if (values[f]?.trim()) out[f] = values[f].trim();
    if (consent) out.consent = agreed;
    onSubmit(out).catch(() => setFailed(true));
  };

  const error = (k: string) =>
    shown[k] && (
      <p class="er" id={'vc-e-' + k}>
        {shown[k]}
      </p>
    );

  return (
    <form class="fm" ref={form} noValidate onSubmit={submit} aria-labelledby="vc-ft">
      <h3 id="vc-ft">{t.formTitle}</h3>
      <p>{offline ? t.formOffline : t.formIntro}</p>
      {held && (
        <p class="hq" dir="auto">
          <span class="sr">{t.held}: </span>
          {held}
        </p>
      )}
      {fields.map((f) => (
        <div class="fd" key={f}>
          <label for={'vc-f-' + f}>{t[f]}</label>
          <input
            id={'vc-f-' + f}
            name={f}
            type={(f == 'name' ? 'text' : f == 'phone' ? 'tel' : f) as 'text'}
            autocomplete={f == 'phone' ? 'tel' : f}
            maxLength={MAX[f]}
            required={f != 'phone'}
            value={values[f] || ''}
            onInput={(e) =>
              setValues(Object.assign(bare(), values, { [f]: e.currentTarget.value }))
            }
            aria-invalid={shown[f] ? true : undefined}
            aria-describedby={shown[f] && 'vc-e-' + f}
          />
          {error(f)}
        </div>
      ))}
      {consent && (
        <div class="fd">
          <div class="ck">
            <input
              id="vc-f-consent"
              type="checkbox"
              checked={agreed}
              required={consent.required}
              onChange={(e) => setAgreed(e.currentTarget.checked)}
              aria-invalid={shown.consent ? true : undefined}
              aria-describedby={shown.consent && 'vc-e-consent'}
            />
            <div>
              <label for="vc-f-consent">{t.consent}</label>{' '}
              {consent.url && (
                <a href={consent.url} target="_blank" rel="noopener noreferrer">
                  {t.privacy}
                </a>
              )}
            </div>
          </div>
          {error('consent')}
        </div>
      )}
      {failed && (
        <p class="er" role="alert">
          {t.formFailed}
        </p>
      )}
      <button class="bt" type="submit">
        {t.submit}
      </button>
    </form>
  );
}
