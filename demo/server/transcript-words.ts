/**
 * The words of a transcript (its title, start and end, who wrote each line, attachments) and of
 * its email's subject, in each language the widget speaks (src/ui/lang), so that a visitor who
 * chatted in Czech gets a Czech transcript. The nouns follow the widget's own tables (its
 * "Download the transcript" button names the same thing). The languages are the widget's
 * (src/core/language.ts); others get English.
 */
import { tableOf } from '../../src/core/language';
import type { Message } from '../../src/protocol';

/** One language's words. */
export interface TranscriptWords {
  title: string;
  started: string;
  ended: string;
  /** Who wrote a line, standing alone (`Agent: …`). */
  authors: Record<Message['from'], string>;
  /** Whether an author after a name is lowercased (`Eva (agent)`): not for German nouns. */
  lower?: false;
  attachment: string;
  /** The email's subject. */
  subject: string;
}

const words = (
  title: string,
  started: string,
  ended: string,
  [visitor, agent, bot, trigger, system]: string[],
  attachment: string,
  subject: string,
  lower?: false,
): TranscriptWords => ({
  title,
  started,
  ended,
  authors: { visitor: visitor!, agent: agent!, bot: bot!, trigger: trigger!, system: system! },
  attachment,
  subject,
  ...(lower === false && { lower }),
});

/** English, and what a language without a table gets. */
export const EN = words(
  'Chat transcript',
  'Started',
  'Ended',
  ['Visitor', 'Agent', 'Bot', 'Auto message', 'System'],
  'Attachment',
  'Your chat transcript',
);

/** By lowercase language tag, as the widget's tables are named. */
export const TRANSCRIPT_WORDS: Record<string, TranscriptWords> = {
  en: EN,
  ar: words(
    'نص المحادثة',
    'بدأت',
    'انتهت',
    ['الزائر', 'الموظف', 'روبوت', 'رسالة تلقائية', 'النظام'],
    'مرفق',
    'نص محادثتك',
  ),
  bg: words(
    'Запис на разговора',
    'Начало',
    'Край',
    ['Посетител', 'Оператор', 'Бот', 'Автоматично съобщение', 'Система'],
    'Прикачен файл',
    'Записът на вашия разговор',
  ),
  cs: words(
    'Přepis chatu',
    'Zahájeno',
    'Ukončeno',
    ['Návštěvník', 'Operátor', 'Bot', 'Automatická zpráva', 'Systém'],
    'Příloha',
    'Přepis vašeho chatu',
  ),
  da: words(
    'Chatsamtale',
    'Startet',
    'Afsluttet',
    ['Besøgende', 'Medarbejder', 'Bot', 'Automatisk besked', 'System'],
    'Vedhæftet fil',
    'Din chatsamtale',
  ),
  de: words(
    'Chatverlauf',
    'Begonnen',
    'Beendet',
    ['Besucher', 'Mitarbeiter', 'Bot', 'Automatische Nachricht', 'System'],
    'Anhang',
    'Ihr Chatverlauf',
    false,
  ),
  el: words(
    'Συνομιλία',
    'Έναρξη',
    'Λήξη',
    ['Επισκέπτης', 'Εκπρόσωπος', 'Bot', 'Αυτόματο μήνυμα', 'Σύστημα'],
    'Συνημμένο',
    'Η συνομιλία σας',
  ),
  es: words(
    'Transcripción del chat',
    'Inicio',
    'Fin',
    ['Visitante', 'Agente', 'Bot', 'Mensaje automático', 'Sistema'],
    'Adjunto',
    'Tu transcripción del chat',
  ),
  fa: words(
    'متن گفتگو',
    'شروع',
    'پایان',
    ['بازدیدکننده', 'پشتیبان', 'ربات', 'پیام خودکار', 'سیستم'],
    'پیوست',
    'متن گفتگوی شما',
  ),
  fi: words(
    'Chat-keskustelu',
    'Aloitettu',
    'Päättynyt',
    ['Vierailija', 'Asiakaspalvelija', 'Botti', 'Automaattinen viesti', 'Järjestelmä'],
    'Liite',
    'Chat-keskustelusi',
  ),
  fr: words(
    'Transcription du chat',
    'Début',
    'Fin',
    ['Visiteur', 'Agent', 'Bot', 'Message automatique', 'Système'],
    'Pièce jointe',
    'Votre transcription du chat',
  ),
  he: words(
    'תמליל השיחה',
    'התחילה',
    'הסתיימה',
    ['מבקר', 'נציג', 'בוט', 'הודעה אוטומטית', 'מערכת'],
    'קובץ מצורף',
    'תמליל השיחה שלך',
  ),
  hr: words(
    'Prijepis razgovora',
    'Započeto',
    'Završeno',
    ['Posjetitelj', 'Agent', 'Bot', 'Automatska poruka', 'Sustav'],
    'Privitak',
    'Prijepis vašeg razgovora',
  ),
  hu: words(
    'Beszélgetés',
    'Kezdete',
    'Vége',
    ['Látogató', 'Ügyintéző', 'Bot', 'Automatikus üzenet', 'Rendszer'],
    'Melléklet',
    'Az Ön beszélgetése',
  ),
  it: words(
    'Trascrizione della chat',
    'Iniziata',
    'Terminata',
    ['Visitatore', 'Operatore', 'Bot', 'Messaggio automatico', 'Sistema'],
    'Allegato',
    'La trascrizione della tua chat',
  ),
  ja: words(
    'チャットの会話',
    '開始',
    '終了',
    ['訪問者', '担当者', 'ボット', '自動メッセージ', 'システム'],
    '添付ファイル',
    'チャットの会話',
  ),
  ko: words(
    '채팅 대화 내용',
    '시작',
    '종료',
    ['방문자', '상담원', '봇', '자동 메시지', '시스템'],
    '첨부 파일',
    '채팅 대화 내용',
  ),
  nb: words(
    'Chatsamtale',
    'Startet',
    'Avsluttet',
    ['Besøkende', 'Medarbeider', 'Bot', 'Automatisk melding', 'System'],
    'Vedlegg',
    'Din chatsamtale',
  ),
  nl: words(
    'Chatgesprek',
    'Begonnen',
    'Beëindigd',
    ['Bezoeker', 'Medewerker', 'Bot', 'Automatisch bericht', 'Systeem'],
    'Bijlage',
    'Je chatgesprek',
  ),
  pl: words(
    'Zapis rozmowy',
    'Rozpoczęto',
    'Zakończono',
    ['Odwiedzający', 'Konsultant', 'Bot', 'Wiadomość automatyczna', 'System'],
    'Załącznik',
    'Zapis Twojej rozmowy',
  ),
  pt: words(
    'Transcrição do chat',
    'Início',
    'Fim',
    ['Visitante', 'Agente', 'Bot', 'Mensagem automática', 'Sistema'],
    'Anexo',
    'A sua transcrição do chat',
  ),
  'pt-br': words(
    'Transcrição do chat',
    'Início',
    'Fim',
    ['Visitante', 'Atendente', 'Bot', 'Mensagem automática', 'Sistema'],
    'Anexo',
    'Sua transcrição do chat',
  ),
  ro: words(
    'Transcrierea conversației',
    'Început',
    'Încheiat',
    ['Vizitator', 'Operator', 'Bot', 'Mesaj automat', 'Sistem'],
    'Atașament',
    'Transcrierea conversației tale',
  ),
  ru: words(
    'Переписка в чате',
    'Начало',
    'Конец',
    ['Посетитель', 'Оператор', 'Бот', 'Автоматическое сообщение', 'Система'],
    'Вложение',
    'Ваша переписка в чате',
  ),
  sk: words(
    'Prepis chatu',
    'Začaté',
    'Ukončené',
    ['Návštevník', 'Operátor', 'Bot', 'Automatická správa', 'Systém'],
    'Príloha',
    'Prepis vášho chatu',
  ),
  sv: words(
    'Chattsamtal',
    'Startat',
    'Avslutat',
    ['Besökare', 'Handläggare', 'Bot', 'Automatiskt meddelande', 'System'],
    'Bilaga',
    'Ditt chattsamtal',
  ),
  tr: words(
    'Sohbet yazışması',
    'Başlangıç',
    'Bitiş',
    ['Ziyaretçi', 'Temsilci', 'Bot', 'Otomatik mesaj', 'Sistem'],
    'Ek',
    'Sohbet yazışmanız',
  ),
  uk: words(
    'Листування в чаті',
    'Початок',
    'Кінець',
    ['Відвідувач', 'Оператор', 'Бот', 'Автоматичне повідомлення', 'Система'],
    'Вкладення',
    'Ваше листування в чаті',
  ),
  zh: words(
    '聊天记录',
    '开始',
    '结束',
    ['访客', '客服', '机器人', '自动消息', '系统'],
    '附件',
    '您的聊天记录',
  ),
};

/** The words for a widget language tag (`cs`, `pt-BR`, `de-AT`; null or unknown: English). */
export const transcriptWords = (lang: string | null | undefined): TranscriptWords =>
  TRANSCRIPT_WORDS[tableOf(lang || 'en')] ?? EN;
