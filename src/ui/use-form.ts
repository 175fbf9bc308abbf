import { useState } from 'preact/hooks';

/** The contact form's module (ui/form-view.ts): a chunk of its own (dist/form.js). */
export type FormView = typeof import('./form-view');

/**
 * Loads the contact form's module. A load that fails says so through `failing` (on every failed
 * try, with a function that tries again at once) and goes on trying: the promise resolves once
 * the module is here.
 */
export type FormLoader = (failing: (now: () => void) => void) => Promise<FormView>;

/**
 * The contact form once asked for: `need()` starts loading it (its stylesheet adopted by `root`
 * once here), once however often it is called. The first value is the module once here, a
 * function that tries again at once while the load is failing, or undefined (not asked yet, or
 * loading). Nothing without `load`.
 */
export function useForm(
  root: ShadowRoot,
  load?: FormLoader,
): [FormView | (() => void) | undefined, () => void] {
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
        (m) => {
          m.adopt(root);
          setForm(m);
        },
        () => {},
      );
    };
  });
  return [form, need];
}
