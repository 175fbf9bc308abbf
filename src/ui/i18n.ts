/**
 * UI strings. `{n}` and `{name}` are placeholders filled by {@link fill}. Every key can be
 * overridden by the `translations` command; a language without a table falls back to English.
 */
import { pick, SHELL_EN, SHELL_TABLES } from './shell-strings';

export { fill, isRtl } from './shell-strings';

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
  newMessage: 'New message',
  earlier: 'Earlier messages',
  loadingOlder: 'Loading earlier messages…',
  below: 'New messages: {n} ↓',
};

/** The UI strings of one language. */
export type Strings = typeof en;

const TABLES: Record<string, Partial<Strings>> = {
  en,
  fr: {
    ...SHELL_TABLES.fr,
    title: 'Discutez avec nous',
    online: 'En ligne',
    offline: 'Absents – laissez-nous un message',
    close: 'Fermer le chat',
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
    newMessage: 'Nouveau message',
    earlier: 'Messages précédents',
    loadingOlder: 'Chargement des messages précédents…',
    below: 'Nouveaux messages : {n} ↓',
  },
  cs: {
    ...SHELL_TABLES.cs,
    title: 'Napište nám',
    offline: 'Nejsme tu – zanechte nám zprávu',
    close: 'Zavřít chat',
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
    newMessage: 'Nová zpráva',
    earlier: 'Starší zprávy',
    loadingOlder: 'Načítám starší zprávy…',
    below: 'Nové zprávy: {n} ↓',
  },
};

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
  const unknown = Object.keys(overrides).filter(
    (k) => !Object.prototype.hasOwnProperty.call(en, k),
  );
  if (unknown.length && warn) {
    const message =
      'translations ignores unknown keys: ' +
      unknown.join(', ').slice(0, 200) +
      ' (keys: ' +
      Object.keys(en).join(', ') +
      ')';
    if (!warned.has(message)) {
      warned.add(message);
      warn(message);
    }
  }
  return pick(en, TABLES, lang, overrides);
}
