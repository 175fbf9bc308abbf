import { useState } from 'preact/hooks';

/** The contact form's module (ui/ContactForm.tsx): a chunk of its own (dist/form.js). */
export type FormView = typeof import('./ContactForm');

/**
 * Loads the contact form's module. A load that fails says so through `failing` (on every failed
 * try, with a function that tries again at once) and goes on trying: the promise resolves once
 * the module is here.
 */
export type FormLoader = (failing: (now: () => void) => void) => Promise<FormView>;

/**
 * The contact form once asked for: `need()` starts loading it, once however often it is called.
 * The first value is the module once here, a function that tries again at once while the load
 * is failing, or undefined (not asked yet, or loading). Nothing without `load`.
 */
export function useForm(load?: FormLoader): [FormView | (() => void) | undefined, () => void] {
  const [form, setForm] = useState<FormView | (() => void)>();
  const [need] = useState(() => {
    let asked = false;
    return () => {
      if (asked || !load) return;
      asked = true;
      // Wrapped: a function handed to setForm would be taken for an updater.
      load((now) =>
        setForm(() => () => {
          setForm(undefined);
          now();
        }),
      ).then(
        (m) => setForm(m),
        () => {},
      );
    };
  });
  return [form, need];
}
