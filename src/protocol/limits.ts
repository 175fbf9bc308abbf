/** Version of this protocol, sent in `hello` and answered in `welcome`. */
export const PROTOCOL_VERSION = 2;

/** Messages a `welcome` carries at most: the newest of the conversation (older ones by `hist`). */
export const WELCOME_MESSAGES = 50;

/** Most messages one `hist` answer carries (and the default a `hist` request asks for). */
export const HISTORY_PAGE = 50;

/** Longest message text, in UTF-16 code units, either way. */
export const MAX_TEXT = 4000;
