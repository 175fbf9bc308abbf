/**
 * English strings of the contact form: in the form chunk (dist/form.js), not in ui.js. ui.js
 * knows their keys (ui/i18n.ts, so `translations` checks them as before) and ui/i18n.ts puts
 * these under the UI's once that chunk is here, as it does for the file layer's; other languages
 * carry them in their tables like every other string. The form's loading and failed states
 * (`loading`, `formFailed`) and `email` (the transcript form's label) stay in ui.js.
 */
export const FORM_EN = {
  formTitle: 'Leave us your details',
  formOffline: 'We are away right now. Leave your details and we will get back to you.',
  formIntro: 'Please introduce yourself before we start.',
  held: 'Your message',
  name: 'Name',
  phone: 'Phone (optional)',
  consent: 'I agree to the processing of my personal data.',
  privacy: 'Privacy policy',
  submit: 'Start chat',
  required: 'Please fill in this field.',
  badEmail: 'Please enter a valid email address.',
  badPhone: 'Please enter a valid phone number.',
  needConsent: 'Please agree to continue.',
};
