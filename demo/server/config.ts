/**
 * The server's settings from the environment (docs/AGENT-API.md), validated: a bad value throws an
 * error that names the variable and says what it must be, so `main.ts` can print it and exit.
 */
import { BlockList, isIP } from 'node:net';
import { hostname } from 'node:os';
import { parseTrustProxy, type TrustProxy } from './client-address';
import { databaseUrlProblem } from './database-url';

/** The plans: proactive conversations need `standard` or `pro`. */
export type Plan = 'free' | 'standard' | 'pro';

/** Everything `startServer` reads from the environment. */
export interface Settings {
  port: number;
  host: string;
  /** Bearer token of the agent API; generated when AGENT_TOKEN is unset. */
  agentToken: string;
  /** SQLite file, or `:memory:`. */
  db: string;
  plan: Plan;
  activeWindowMs: number;
  heartbeatMs: number;
  /** Secret of the `userHash` HMAC; without it no identity is ever verified. */
  userHashSecret?: string;
  /** Origins allowed on the visitor endpoints; unset = any. */
  allowedOrigins?: string[];
  /** Account keys the visitor endpoints accept. */
  keys: string[];
  /** Postgres connection URL; unset = SQLite (`db`). */
  databaseUrl?: string;
  /** Redis connection URL (presence and cross-node delivery); needs `databaseUrl`. */
  redisUrl?: string;
  /** This node's name in a cluster (default host name + pid). */
  nodeId: string;
  /** Bearer token of `GET /metrics` besides the agent token. */
  metricsToken?: string;
  /** A new database gets the demo automations (Acme's auto messages and bot); DEMO=0: none. */
  demo: boolean;
  /** How far `X-Forwarded-For` is believed (TRUST_PROXY); unset = never. */
  trustProxy?: TrustProxy;
  /** Keep each visitor's last address (STORE_IP=1); by default only its country is kept. */
  storeIp: boolean;
  /**
   * How many visitors one client address may stand for (VISITORS_PER_ADDRESS, default 1000: an
   * office, a campus or a carrier's NAT): the per-address limits on uploads and transcript
   * emails scale with it (server.ts, {@link addressRates}).
   */
  visitorsPerAddress: number;
  /** Where uploaded files go without DATABASE_URL (created when the first file arrives). */
  uploadDir: string;
  /** Largest upload, in bytes (MAX_UPLOAD_BYTES, default 10 MiB). */
  maxUploadBytes: number;
  /** File types an upload may be, by what its bytes are (UPLOAD_TYPES). */
  uploadTypes: UploadType[];
  /** Files older than this many days are deleted (FILE_RETENTION_DAYS; 0 = kept). */
  fileRetentionDays: number;
  /** SMTP server of transcripts and offline notifications (`smtp://host:port`); unset = no email. */
  smtpUrl?: string;
  /** Where messages left while no agent is online are emailed (needs SMTP_URL). */
  notifyEmail?: string;
  /** Sender of the emails (default `visitor-chat@<host name>`). */
  mailFrom: string;
  /** Least time between two notification emails about one conversation (NOTIFY_INTERVAL_MS). */
  notifyIntervalMs: number;
  /** The server's public address, for links in emails (PUBLIC_URL); default: where it listens. */
  publicUrl?: string;
}

/**
 * The per-address budgets for `visitors` honest visitors behind one address (VISITORS_PER_ADDRESS):
 * uploads max(40, n/10) at once, then max(0.5, n/1000) a second; transcript emails max(10, n/20)
 * at once, then max(10, n/10) an hour; open connections (WebSockets, event streams, waiting
 * long-polls) max(100, 2n). Up to 100 visitors these are the limits of before (40 then
 * one every 2 s; 10 then 10 an hour; uploads alone stay so up to 400); the per-visitor and
 * per-node limits do not change.
 */
export function addressRates(visitors: number) {
  return {
    /** Open WebSockets and event streams at once: max(100, 2n) (a visitor in two windows). */
    connections: Math.max(100, 2 * visitors),
    upload: {
      rate: Math.max(0.5, visitors / 1000),
      burst: Math.max(40, Math.floor(visitors / 10)),
    },
    email: {
      rate: Math.max(10, visitors / 10) / 3600,
      burst: Math.max(10, Math.floor(visitors / 20)),
    },
  };
}

/** The file types an upload can be (file-types.ts tells them from the bytes). */
export const UPLOAD_TYPES = ['png', 'jpeg', 'gif', 'webp', 'pdf', 'txt'] as const;
export type UploadType = (typeof UPLOAD_TYPES)[number];

/** An address as `NOTIFY_EMAIL` and `MAIL_FROM` take it (no display name, no spaces). */
const EMAIL = /^[^\s@<>(),;:"]{1,64}@[A-Za-z0-9.-]{1,253}$/;

const PLANS: readonly string[] = ['free', 'standard', 'pro'];

/** Every setting name readSettings reads (filled as it reads them). */
const NAMES = new Set<string>();

/** Edit distance with adjacent transpositions (`REDIS_ULR` is one from `REDIS_URL`). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] == b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** The name of every setting, sorted (for the docs' check). */
export function settingNames(): string[] {
  if (!NAMES.size) readSettings({});
  return [...NAMES].sort();
}

/**
 * Whether `name` looks like `known` mistyped rather than a variable of its own: one edit (two in
 * names of 8 letters or more, within the same first word); not a known name with a number
 * after it (`PORT0`), nor a known name with another last word of its own (`NODE_IP` is not
 * `NODE_ID`, `STORE_DIR` not `STORE_IP`: only the same letters, or one more or fewer, count).
 * A last word `URI` is read as `URL`: the two name the same thing, and other tools spell it so
 * (`REDIS_URI`, `DATABASE_URI`).
 */
function looksMisspelt(name: string, known: string): boolean {
  if (name == known) return false;
  name = name.replace(/_URI$/, '_URL');
  if (name == known) return true;
  const d = distance(name, known);
  const [a, b] = [name.split('_'), known.split('_')];
  if (d > (known.length >= 8 && a[0] == b[0] ? 2 : 1)) return false;
  if (name.replace(/\d+$/, '') == known) return false;
  if (a.length == b.length && a.length > 1 && a.slice(0, -1).join() == b.slice(0, -1).join()) {
    const [x, y] = [a.at(-1)!, b.at(-1)!];
    const anagram = [...x].sort().join() == [...y].sort().join();
    return anagram || (Math.abs(x.length - y.length) == 1 && distance(x, y) == 1);
  }
  return true;
}

/**
 * Warnings for variables in `env` that look like a misspelt setting (`REDIS_ULR`, `DATABSE_URL`):
 * one edit from a setting's name, two for names of 8 letters or more. A misspelt setting is
 * otherwise ignored without a word, and a node would run on SQLite or without Redis.
 */
export function misspelledSettings(env: Record<string, string | undefined>): string[] {
  const names = settingNames();
  const out: string[] = [];
  for (const name of Object.keys(env)) {
    if (names.includes(name) || !/^[A-Z][A-Z0-9_]+$/.test(name)) continue;
    for (const known of names)
      if (looksMisspelt(name, known)) {
        out.push(`${name} is not a setting; did you mean ${known}? (it is ignored)`);
        break;
      }
  }
  return out;
}

/** HOST values only this machine can reach. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

export const isLoopback = (host: string) =>
  /^localhost\.?$/i.test(host) ||
  (isIP(host) != 0 && LOOPBACK.check(host, isIP(host) == 6 ? 'ipv6' : 'ipv4'));

/**
 * Warnings about settings that work but are risky, printed at start: `TRUST_PROXY` as a hop count
 * believes `X-Forwarded-For` from whichever peer connects, so on a node that listens beyond
 * loopback a client that reaches it directly chooses its own address (its country, and the
 * per-address limits of uploads and transcript emails).
 */
export function settingWarnings(s: Pick<Settings, 'host' | 'trustProxy'>): string[] {
  const out: string[] = [];
  if (s.trustProxy && 'hops' in s.trustProxy && !isLoopback(s.host))
    out.push(
      `TRUST_PROXY=${s.trustProxy.hops} believes X-Forwarded-For from any client, and HOST=${s.host} is not loopback: list the proxy's addresses instead (TRUST_PROXY=10.0.0.5)`,
    );
  return out;
}

/** Reads `Settings` from `env`; throws `Error('NAME must be …')` on a bad value. */
export function readSettings(env: Record<string, string | undefined>): Settings {
  const get = (name: string) => {
    NAMES.add(name);
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max)
      throw new Error(
        `${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`,
      );
    return n;
  };
  const list = (name: string) =>
    get(name)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);

  const plan = get('PLAN') ?? 'pro';
  if (!PLANS.includes(plan))
    throw new Error(`PLAN must be free, standard or pro, not ${JSON.stringify(plan)}`);
  const agentToken = get('AGENT_TOKEN');
  if (agentToken !== undefined && !/^[\x21-\x7e]{16,200}$/.test(agentToken))
    throw new Error('AGENT_TOKEN must be 16 to 200 printable characters without spaces');
  const keys = list('KEYS') ?? ['demo'];
  for (const k of keys)
    if (!/^[\w-]{1,100}$/.test(k))
      throw new Error(
        `KEYS must be a comma list of keys made of letters, digits, _ and -, not ${JSON.stringify(k)}`,
      );
  const allowedOrigins = list('ALLOWED_ORIGINS')?.map((o) => {
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin != o.replace(/\/$/, ''))
      throw new Error(
        `ALLOWED_ORIGINS must be a comma list of origins like https://shop.example.com, not ${JSON.stringify(o)}`,
      );
    return url.origin;
  });
  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/./.test(databaseUrl))
    throw new Error('DATABASE_URL must be a Postgres URL like postgres://user:pass@host:5432/db');
  const urlProblem = databaseUrl === undefined ? undefined : databaseUrlProblem(databaseUrl);
  if (urlProblem) throw new Error(urlProblem);
  const redisUrl = get('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/./.test(redisUrl))
    throw new Error('REDIS_URL must be a Redis URL like redis://host:6379');
  if (redisUrl !== undefined && !URL.canParse(redisUrl))
    // ioredis reads it with URL: it would fail at the first connection with "Invalid URL".
    throw new Error(
      'REDIS_URL cannot be read as a URL (Invalid URL): percent-encode the special characters of its password: # as %23, / as %2F, ? as %3F, @ as %40, : as %3A, % as %25, a space as %20 (redis://:p%23ss@cache.example.com:6379)',
    );
  if (redisUrl !== undefined && databaseUrl === undefined)
    throw new Error(
      'REDIS_URL needs DATABASE_URL: the nodes of a cluster share a Postgres database (a SQLite file cannot be shared)',
    );
  // A node meant for a cluster whose REDIS_URL is misspelt would run alone on the cluster's
  // database, with a list and a presence of its own behind the load balancer: it does not start.
  if (redisUrl === undefined && databaseUrl !== undefined)
    for (const name of Object.keys(env))
      if (/^[A-Z][A-Z0-9_]+$/.test(name) && looksMisspelt(name, 'REDIS_URL'))
        throw new Error(
          `${name} is not a setting; did you mean REDIS_URL? Without REDIS_URL this node would run alone on the database of DATABASE_URL (rename it, or unset it for one node)`,
        );
  const nodeId = get('NODE_ID') ?? `${hostname()}-${process.pid}`;
  if (!/^[\w.-]{1,100}$/.test(nodeId))
    throw new Error(
      `NODE_ID must be 1 to 100 of letters, digits, _ . and -, not ${JSON.stringify(nodeId)}`,
    );
  const metricsToken = get('METRICS_TOKEN');
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,200}$/.test(metricsToken))
    throw new Error('METRICS_TOKEN must be 16 to 200 printable characters without spaces');
  const demo = get('DEMO') ?? '1';
  if (!/^(0|1|true|false)$/.test(demo)) throw new Error('DEMO must be 1 or 0');
  const storeIp = get('STORE_IP') ?? '0';
  if (!/^(0|1|true|false)$/.test(storeIp)) throw new Error('STORE_IP must be 1 or 0');
  const uploadTypes = list('UPLOAD_TYPES') ?? [...UPLOAD_TYPES];
  for (const t of uploadTypes)
    if (!(UPLOAD_TYPES as readonly string[]).includes(t))
      throw new Error(
        `UPLOAD_TYPES must be a comma list of ${UPLOAD_TYPES.join(', ')}, not ${JSON.stringify(t)}`,
      );
  const smtpUrl = get('SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^\s/]+(:\d+)?\/?(\?\S*)?$/.test(smtpUrl))
    throw new Error('SMTP_URL must be an SMTP URL like smtp://user:pass@mail.example.com:587');
  const notifyEmail = get('NOTIFY_EMAIL');
  if (notifyEmail !== undefined && !EMAIL.test(notifyEmail))
    throw new Error(`NOTIFY_EMAIL must be an email address, not ${JSON.stringify(notifyEmail)}`);
  if (notifyEmail !== undefined && smtpUrl === undefined)
    throw new Error('NOTIFY_EMAIL needs SMTP_URL: the notifications are sent through it');
  const mailFrom =
    get('MAIL_FROM') ?? `visitor-chat@${hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'localhost'}`;
  if (!EMAIL.test(mailFrom))
    throw new Error(`MAIL_FROM must be an email address, not ${JSON.stringify(mailFrom)}`);
  const publicUrl = get('PUBLIC_URL')?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(publicUrl))
    throw new Error('PUBLIC_URL must be an http(s) URL like https://chat.example.com');
  return {
    demo: demo == '1' || demo == 'true',
    port: int('PORT', 8080, 0, 65535),
    host: get('HOST') ?? '127.0.0.1',
    agentToken: agentToken ?? '',
    db: get('DB') ?? './visitor-chat.db',
    plan: plan as Plan,
    activeWindowMs: int('ACTIVE_WINDOW_MS', 600_000, 1000, 7 * 86_400_000),
    heartbeatMs: int('HEARTBEAT_MS', 30_000, 1000, 3_600_000),
    userHashSecret: get('USER_HASH_SECRET'),
    allowedOrigins,
    keys,
    databaseUrl,
    redisUrl,
    nodeId,
    metricsToken,
    trustProxy: parseTrustProxy(get('TRUST_PROXY')),
    storeIp: storeIp == '1' || storeIp == 'true',
    visitorsPerAddress: int('VISITORS_PER_ADDRESS', 1000, 1, 1_000_000),
    uploadDir: get('UPLOAD_DIR') ?? './uploads',
    maxUploadBytes: int('MAX_UPLOAD_BYTES', 10 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    uploadTypes: uploadTypes as UploadType[],
    fileRetentionDays: int('FILE_RETENTION_DAYS', 0, 0, 36_500),
    smtpUrl,
    notifyEmail,
    mailFrom,
    notifyIntervalMs: int('NOTIFY_INTERVAL_MS', 300_000, 0, 86_400_000),
    publicUrl,
  };
}
