/**
 * DATABASE_URL mistakes said in words that say what to fix, where the Postgres driver speaks of
 * its own workings ("Invalid URL", "getaddrinfo ENOTFOUND ss", "SASL: SCRAM-SERVER-FIRST-MESSAGE:
 * client password must be a string"). No message repeats the URL or a part the driver took from
 * it: with a character not percent-encoded, the "host" may be a piece of the password.
 */
import pg from 'pg';

/** How to write a password (or user name) with special characters into the URL. */
const ENCODE =
  'percent-encode the special characters of its user name and password: # as %23, / as %2F, ? as %3F, @ as %40, : as %3A, % as %25, a space as %20 (postgres://chat:p%23ss@db.example.com:5432/chat)';

/**
 * Whether a character of the password seems not percent-encoded: an `@` after the first `/`,
 * `?` or `#` past `postgres://`, where the driver stops reading the user, password and host
 * (`postgres://chat:12#34@db/chat` is host `chat`, port 12). An `@` in a query value would look
 * the same; this is only asked once the connection failed.
 */
function passwordCut(url: string): string | undefined {
  const rest = url.replace(/^[a-z]+:\/\//i, '');
  const cut = rest.search(/[/?#]/);
  return cut >= 0 && rest.indexOf('@', cut) > cut ? rest[cut] : undefined;
}

/**
 * Why `url` cannot be read as a Postgres URL (the driver's own reading), or undefined: checked
 * with the settings, before anything connects.
 */
export function databaseUrlProblem(url: string): string | undefined {
  try {
    // Made only to read the URL as the driver will (pg-connection-string); nothing connects.
    // oxlint-disable-next-line no-new
    new pg.Client({ connectionString: url });
    return undefined;
  } catch (e) {
    return `DATABASE_URL cannot be read as a URL (${(e as Error).message}): ${ENCODE}`;
  }
}

/** The message of a failed connection (or set-up) of the Postgres database at `url`. */
export function postgresConnectError(e: unknown, url: string): string {
  const err = e as Error & { code?: string };
  const cut = passwordCut(url);
  if (cut)
    return `DATABASE_URL looks wrong: an @ comes after a ${cut}, so its password seems to hold a ${cut} that is not percent-encoded, and a piece of it was taken for the host or the database (${err.code ?? 'cannot connect'}): ${ENCODE}`;
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    // databaseUrlProblem said why at start; the driver's message follows.
  }
  const asked =
    /client password must be a (non-empty )?string/.test(err.message) ||
    (err.code == '28P01' && !password && !process.env.PGPASSWORD);
  if (asked && !password)
    return 'DATABASE_URL has no password, and the server asks for one (postgres://user:password@host/db)';
  if (err.code == '28P01')
    return `DATABASE_URL: Postgres refused the user name or password (${err.message}); ${ENCODE}`;
  return `DATABASE_URL: cannot connect to or set up Postgres (${err.message})`;
}
