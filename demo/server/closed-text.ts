/**
 * The system message that ends a conversation, in the visitor's widget language (the `lang` of
 * its hello): the widget shows server text as it comes, so a French window would otherwise end
 * in English. The languages are the widget's (src/core/language.ts); others get English.
 */
import { tableOf } from '../../src/core/language';

const CLOSED: Record<string, string> = {
  en: 'The conversation was closed. Write again any time.',
  fr: 'La conversation a été fermée. Écrivez-nous quand vous voulez.',
  cs: 'Konverzace byla ukončena. Napište nám kdykoli znovu.',
  de: 'Das Gespräch wurde beendet. Schreiben Sie uns jederzeit wieder.',
  es: 'La conversación se ha cerrado. Escríbenos de nuevo cuando quieras.',
  it: 'La conversazione è stata chiusa. Scrivici di nuovo quando vuoi.',
  pt: 'A conversa foi encerrada. Escreva-nos novamente quando quiser.',
  'pt-br': 'A conversa foi encerrada. Escreva para nós de novo quando quiser.',
  pl: 'Rozmowa została zakończona. Napisz do nas ponownie w dowolnej chwili.',
  nl: 'Het gesprek is beëindigd. Schrijf ons gerust opnieuw.',
  sk: 'Konverzácia bola ukončená. Napíšte nám znova kedykoľvek.',
  hu: 'A beszélgetés lezárult. Írjon nekünk bármikor újra.',
  ro: 'Conversația a fost închisă. Scrieți-ne din nou oricând.',
  ru: 'Разговор завершён. Напишите нам снова в любое время.',
  uk: 'Розмову завершено. Напишіть нам знову будь-коли.',
  tr: 'Görüşme kapatıldı. İstediğiniz zaman yeniden yazabilirsiniz.',
  sv: 'Samtalet har avslutats. Skriv till oss igen när du vill.',
  da: 'Samtalen er afsluttet. Skriv til os igen når som helst.',
  fi: 'Keskustelu on päättynyt. Kirjoita meille uudelleen milloin tahansa.',
  nb: 'Samtalen er avsluttet. Skriv til oss igjen når som helst.',
  el: 'Η συνομιλία έκλεισε. Γράψτε μας ξανά όποτε θέλετε.',
  bg: 'Разговорът приключи. Пишете ни отново по всяко време.',
  hr: 'Razgovor je završen. Pišite nam ponovno bilo kada.',
  ja: '会話は終了しました。いつでもまたご連絡ください。',
  zh: '对话已结束。欢迎随时再次留言。',
  ko: '대화가 종료되었습니다. 언제든지 다시 문의해 주세요.',
  ar: 'تم إغلاق المحادثة. راسلنا مرة أخرى في أي وقت.',
  he: 'השיחה נסגרה. אפשר לכתוב לנו שוב בכל עת.',
  fa: 'گفتگو بسته شد. هر زمان خواستید دوباره بنویسید.',
};

/** The closing message for a widget language tag (`fr-CA`, `pt-BR`; null or unknown: English). */
export const closedText = (lang: string | null | undefined): string =>
  CLOSED[tableOf(lang || 'en')] ?? CLOSED.en!;

/** The languages with a closing message (every table of the widget). */
export const CLOSED_LANGUAGES = Object.keys(CLOSED);
