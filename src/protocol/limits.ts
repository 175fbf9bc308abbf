/** Version of this protocol, sent in `hello` and answered in `welcome`. */
export const PROTOCOL_VERSION = 2;

/** Messages a `welcome` carries at most: the newest of the conversation (older ones by `hist`). */
export const WELCOME_MESSAGES = 50;

/** Most messages one `hist` answer carries (and the default a `hist` request asks for). */
export const HISTORY_PAGE = 50;

/**
 * The limits the widget and a server agree on, in one table (lengths in UTF-16 code units): the
 * frame validators beside this file and the command validator (core/commands.ts) read them, so a
 * command the widget accepts is never a frame the server refuses.
 */
export const LIMITS = {
  /** A message text, either way. */
  text: 4000,
  /** Ids and keys: visitor, client and message ids, rule ids, group keys, event names. */
  id: 100,
  name: 200,
  email: 254,
  phone: 50,
  /** A variable's label, a quick reply's label, an author's name, a `userHash`. */
  label: 200,
  /** Custom variables: how many, and the length of a key and of a text value. */
  variables: 50,
  variableKey: 100,
  variableValue: 1000,
} as const;

/** Longest message text, in UTF-16 code units, either way. */
export const MAX_TEXT: number = LIMITS.text;

/** Most files one message carries. */
export const MAX_ATTACHMENTS = 10;

/** Longest rating comment, in UTF-16 code units. */
export const MAX_COMMENT = 1000;
