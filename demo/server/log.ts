/** Where the server writes what happened; tests pass a quiet one. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Logs to the console with a timestamp. */
export const consoleLogger: Logger = {
  info: (m) => console.log(new Date().toISOString(), m),
  warn: (m) => console.warn(new Date().toISOString(), 'warn', m),
  error: (m) => console.error(new Date().toISOString(), 'error', m),
};

/** Logs nothing. */
export const quietLogger: Logger = { info() {}, warn() {}, error() {} };
