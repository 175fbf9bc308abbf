/**
 * UI strings, English (built into the UI chunk, but for the file layer's and the contact form's,
 * which come with their chunks; every other language is a chunk of its own in ui/lang/, loaded
 * through ui/tables.ts). `{n}` and `{name}` are placeholders filled by
 * {@link fill}; a count's text may have plural forms (see {@link count}). Every key can be
 * overridden by the `translations` command; a key a language lacks falls back to English.
 */
import { FILES_EN } from './files-strings';
import { FORM_EN } from './form-strings';
import { pick, SHELL_EN } from './shell-strings';

export { count, fill, isRtl } from './shell-strings';

const en = {
  ...SHELL_EN,
  title: 'Chat with us',
  online: 'Online',
  offline: 'Away – leave us a message',
  close: 'Close chat',
  messages: 'Messages',
  input: 'Message',
  placeholder: 'Write a message…',
  send: 'Send',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Not delivered',
  retry: 'Retry',
  today: 'Today',
  yesterday: 'Yesterday',
  you: 'You',
  bot: 'Bot',
  auto: 'Automatic message',
  typing: '{name} is typing…',
  left: 'one:{n} character left|other:{n} characters left',
  reconnecting: 'Connection lost. Reconnecting…',
  stopped: 'Chat is unavailable right now.',
  // The contact form's (ui/form-strings.ts, in its chunk): known here, English once it is here.
  formTitle: '',
  formOffline: '',
  formIntro: '',
  held: '',
  name: '',
  email: 'Email',
  phone: '',
  consent: '',
  privacy: '',
  submit: '',
  required: '',
  badEmail: '',
  badPhone: '',
  needConsent: '',
  formFailed: 'Something went wrong. Please try again.',
  loading: 'Loading…',
  newMessage: 'New message',
  earlier: 'Earlier messages',
  loadingOlder: 'Loading earlier messages…',
  below: 'one:{n} new message ↓|other:{n} new messages ↓',
};

/** The UI strings of one language (the file layer's and the contact form's included). */
export type Strings = typeof en & typeof FILES_EN;

/** A language's table: {@link Strings} by key (a key left out shows in English). */
export type Table = Partial<Strings>;

/**
 * The English table, the file layer's and the contact form's included (what every language table
 * is checked against).
 */
export const EN: Strings = { ...en, ...FILES_EN, ...FORM_EN };

/** Unknown-key warnings already printed (each once per page). */
const warned = new Set<string>();

/**
 * English with a language's `table` on top (none: English), then the `translations` command's
 * overrides (only known keys, only strings). Unknown keys are reported once through `warn` (a
 * misspelt key would otherwise change nothing without a word). The file layer's English, `files`,
 * comes with its chunk: until then its keys are not known (the UI passes no `warn` meanwhile,
 * and shows no file strings). The contact form's English, `form`, comes with its chunk too: its
 * keys are known before (they are checked, and translated, as before), its English is not.
 */
export function strings(
  table: Table | undefined,
  overrides: Record<string, string>,
  warn?: (message: string) => void,
  files?: typeof FILES_EN,
  form?: typeof FORM_EN,
): Strings {
  const all = { ...en, ...files, ...form } as Strings;
  const unknown = Object.keys(overrides).filter(
    (k) => !Object.prototype.hasOwnProperty.call(all, k),
  );
  if (unknown.length && warn) {
    const message =
      'translations ignores unknown keys: ' +
      unknown.join(', ').slice(0, 200) +
      ' (keys: ' +
      Object.keys(all).join(', ') +
      ')';
    if (!warned.has(message)) {
      warned.add(message);
      warn(message);
    }
  }
  return pick(all, table, overrides);
}
