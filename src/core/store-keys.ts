/** What the device stores for the widget: wiped on logout and when consent is withdrawn. */
export const STORE_KEYS = [
  'identity',
  'outbox',
  'messages',
  'visitor',
  'consent',
  'uploads',
  'rating',
  'unread',
  'draft',
];
