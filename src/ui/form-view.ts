/**
 * The contact form's part of the UI: a chunk of its own (dist/form.js for the script tag; in the
 * npm UI's bundle), loaded once the form could be needed (ui/use-form.ts).
 */
import { FORM_CSS } from './form-styles';

export { ContactForm } from './ContactForm';
export { FORM_EN } from './form-strings';

/** Adds the contact form's stylesheet to the UI's shadow root (after the UI's own). */
export function adopt(root: ShadowRoot): void {
  const win = root.host.ownerDocument.defaultView!;
  const sheet = new win.CSSStyleSheet();
  sheet.replaceSync(FORM_CSS);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}
