/**
 * UI strings. `{n}` and `{name}` are placeholders filled by {@link fill}. Every key can be
 * overridden by the `translations` command; a language without a table falls back to English.
 */
const en = {
  title: 'Chat with us',
  online: 'Online',
  offline: 'Away – leave us a message',
  open: 'Open chat',
  close: 'Close chat',
  unread: 'unread messages: {n}',
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
  agent: 'Support',
  bot: 'Bot',
  auto: 'Automatic message',
  typing: '{name} is typing…',
  left: '{n} characters left',
  reconnecting: 'Connection lost. Reconnecting…',
  stopped: 'Chat is unavailable right now.',
  formTitle: 'Leave us your details',
  formOffline: 'We are away right now. Leave your details and we will get back to you.',
  formIntro: 'Please introduce yourself before we start.',
  held: 'Your message',
  name: 'Name',
  email: 'Email',
  phone: 'Phone (optional)',
  consent: 'I agree to the processing of my personal data.',
  privacy: 'Privacy policy',
  submit: 'Start chat',
  required: 'Please fill in this field.',
  badEmail: 'Please enter a valid email address.',
  badPhone: 'Please enter a valid phone number.',
  needConsent: 'Please agree to continue.',
  formFailed: 'Something went wrong. Please try again.',
  dismiss: 'Dismiss',
  newMessage: 'New message',
};

/** The UI strings of one language. */
export type Strings = typeof en;

const TABLES: Record<string, Partial<Strings>> = {
  en,
  fr: {
    title: 'Discutez avec nous',
    online: 'En ligne',
    offline: 'Absents – laissez-nous un message',
    open: 'Ouvrir le chat',
    close: 'Fermer le chat',
    unread: 'messages non lus : {n}',
    input: 'Message',
    placeholder: 'Écrivez un message…',
    send: 'Envoyer',
    sending: 'Envoi…',
    sent: 'Envoyé',
    failed: 'Non distribué',
    retry: 'Réessayer',
    today: "Aujourd'hui",
    yesterday: 'Hier',
    you: 'Vous',
    auto: 'Message automatique',
    typing: '{name} écrit…',
    left: 'Caractères restants : {n}',
    reconnecting: 'Connexion perdue. Reconnexion…',
    stopped: 'Le chat est indisponible pour le moment.',
    formTitle: 'Laissez-nous vos coordonnées',
    formOffline: 'Nous sommes absents. Laissez vos coordonnées et nous vous répondrons.',
    formIntro: 'Présentez-vous avant de commencer.',
    held: 'Votre message',
    name: 'Nom',
    email: 'E-mail',
    phone: 'Téléphone (facultatif)',
    consent: "J'accepte le traitement de mes données personnelles.",
    privacy: 'Politique de confidentialité',
    submit: 'Commencer',
    required: 'Veuillez remplir ce champ.',
    badEmail: 'Veuillez saisir une adresse e-mail valide.',
    badPhone: 'Veuillez saisir un numéro de téléphone valide.',
    needConsent: 'Veuillez accepter pour continuer.',
    formFailed: "Une erreur s'est produite. Veuillez réessayer.",
    dismiss: 'Fermer',
    newMessage: 'Nouveau message',
  },
  cs: {
    title: 'Napište nám',
    offline: 'Nejsme tu – zanechte nám zprávu',
    open: 'Otevřít chat',
    close: 'Zavřít chat',
    unread: 'nepřečtené zprávy: {n}',
    messages: 'Zprávy',
    input: 'Zpráva',
    placeholder: 'Napište zprávu…',
    send: 'Odeslat',
    sending: 'Odesílání…',
    sent: 'Odesláno',
    failed: 'Nedoručeno',
    retry: 'Zkusit znovu',
    today: 'Dnes',
    yesterday: 'Včera',
    you: 'Vy',
    agent: 'Podpora',
    auto: 'Automatická zpráva',
    typing: '{name} píše…',
    left: 'Zbývající znaky: {n}',
    reconnecting: 'Spojení přerušeno. Připojujeme znovu…',
    stopped: 'Chat teď není dostupný.',
    formTitle: 'Zanechte nám kontakt',
    formOffline: 'Teď tu nejsme. Zanechte nám kontakt a ozveme se vám.',
    formIntro: 'Než začneme, představte se prosím.',
    held: 'Vaše zpráva',
    name: 'Jméno',
    email: 'E-mail',
    phone: 'Telefon (nepovinné)',
    consent: 'Souhlasím se zpracováním osobních údajů.',
    privacy: 'Zásady ochrany osobních údajů',
    submit: 'Zahájit chat',
    required: 'Vyplňte prosím toto pole.',
    badEmail: 'Zadejte platnou e-mailovou adresu.',
    badPhone: 'Zadejte platné telefonní číslo.',
    needConsent: 'Pro pokračování je nutný souhlas.',
    formFailed: 'Něco se pokazilo. Zkuste to znovu.',
    dismiss: 'Zavřít',
    newMessage: 'Nová zpráva',
  },
};

/** The primary subtag of a language code: `fr-CA` → `fr`. */
const base = (lang: string) => lang.toLowerCase().split(/[-_]/)[0];

/** Unknown-key warnings already printed (each once per page). */
const warned = new Set<string>();

/**
 * The strings for `lang` (`fr-CA` uses `fr`; unknown languages use English), with the
 * `translations` command's overrides on top (only known keys, only strings). Unknown keys are
 * reported once through `warn` (a misspelt key would otherwise change nothing without a word).
 */
export function strings(
  lang: string,
  overrides: Record<string, string>,
  warn?: (message: string) => void,
): Strings {
  const out: Strings = { ...en, ...TABLES[base(lang)] };
  const unknown: string[] = [];
  for (const k of Object.keys(overrides)) {
    if (!Object.prototype.hasOwnProperty.call(en, k)) unknown.push(k);
    else if (typeof overrides[k] == 'string') out[k as keyof Strings] = overrides[k];
  }
  const message =
    'translations ignores unknown keys: ' +
    unknown.join(', ').slice(0, 200) +
    ' (keys: ' +
    Object.keys(en).join(', ') +
    ')';
  if (unknown.length && warn && !warned.has(message)) {
    warned.add(message);
    warn(message);
  }
  return out;
}

/** True for right-to-left languages (Arabic, Hebrew, Persian, Urdu). */
export const isRtl = (lang: string) => /^(ar|he|iw|fa|ur)$/.test(base(lang));

/** Replaces `{key}` placeholders: `fill('{n} left', { n: 3 })` → `'3 left'`. */
export const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{(\w+)\}/g, (all, k: string) => (k in values ? String(values[k]) : all));
