/**
 * English strings of the file layer (uploads, attachments, rating, transcript): in the file
 * chunk, not in ui.js. ui/i18n.ts puts them under the UI's once that chunk is here; other
 * languages carry them in their tables like every other string.
 */
export const FILES_EN = {
  attach: 'Attach a file',
  drop: 'Drop a file here to send it',
  uploading: 'Uploading {name}…',
  cancel: 'Cancel',
  remove: 'Remove',
  upBig: 'The file is too big.',
  upType: 'This type of file is not allowed.',
  upFailed: 'The upload failed.',
  upGone: 'The file is no longer available.',
  download: 'Download {name}',
  rateAsk: 'How was this conversation?',
  good: 'Good',
  bad: 'Bad',
  comment: 'Comment (optional)',
  rate: 'Send rating',
  thanks: 'Thank you for your feedback!',
  more: 'More options',
  transcript: 'Download transcript',
  mailTranscript: 'Email transcript',
  mailSent: 'The transcript is on its way.',
  noMail: 'Emailing transcripts is not available.',
  end: 'End chat',
};
