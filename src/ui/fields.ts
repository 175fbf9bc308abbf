import type { Profile } from '../protocol';

/** Identity fields the contact form can ask for, in display order. */
export type Field = keyof Profile;

/**
 * What the UI needs to decide whether the contact form is needed (ui/App.tsx): in ui.js, while
 * the form itself (ui/ContactForm.tsx) is a chunk of its own (dist/form.js).
 */
export const FIELDS: Field[] = ['name', 'email', 'phone'];
