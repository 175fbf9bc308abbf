/**
 * The reference server (docs/AGENT-API.md, docs/PROTOCOL.md): `node:http` + `ws` +
 * better-sqlite3. `startServer` runs it in-process (tests use port 0 and `:memory:`);
 * main.ts is the command-line entry.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAddressSlots } from './address-slots';
import { createAgentApi } from './agent-api';
import { createAutomations } from './automations';
import { createAutomationsApi } from './automations-api';
import { postgresConnectError } from './database-url';
import { DEMO_AUTOMATIONS } from './demo-automations';
import { createAgentFeed } from './agent-feed';
import { joinCluster, type Cluster } from './cluster';
import type { HeartbeatTiming } from './connections-redis';
import { createMemoryEventLog, type EventLog } from './event-log';
import { addressRates, readSettings, type Settings } from './config';
import { createDiskBlobs } from './files-disk';
import { createFiles, type Files } from './files';
import { createFilesHttp } from './files-http';
import { createHealth } from './health';
import { createHttpLimiter } from './http-limiter';
import { createMailer } from './mailer';
import { createNotifier, type Notifier } from './notify';
import { createTranscriptHttp } from './transcript-http';
import { logRefusals, sendError } from './http-json';
import { COUNTS_INTERVAL_MS, createHub, type Hub } from './hub';
import { consoleLogger, type Logger } from './log';
import { countingStore, createMetrics } from './metrics';
import { createPages } from './pages';
import type { RateOptions } from './rate-limit';
import { redisReason } from './redis-errors';
import { newToken, safeEqual } from './secrets';
import { SchemaTooNew } from './migrations';
import { openStore } from './open-store';
import { SqliteInUse } from './store-sqlite';
import { createVisitorHttp } from './visitor-http';
import { createVisitorSockets } from './visitor-ws';

/** Options of {@link startServer}: the settings (defaults: demo/server/README.md) plus test knobs. */
export interface ServerOptions extends Partial<Settings> {
  /** Project root (dist/, demo/site/). Default: the working directory. */
  root?: string;
  /** How often automations are checked for other nodes' writes (default 1 s). */
  automationsPollMs?: number;
  log?: Logger;
  /** Per-connection frame rate (default 20 frames/s, burst 40). */
  rate?: RateOptions;
  botDelayMs?: number;
  sweepMs?: number;
  /** WebSocket ping interval (default 30 s). */
  pingMs?: number;
  /** Unsent bytes after which a WebSocket or event stream is too slow and closed (1 MiB). */
  maxBuffered?: number;
  /** Long-poll wait (default 25 s). */
  pollMs?: number;
  /** Comment interval of event streams (default 25 s). */
  streamPingMs?: number;
  /** Strict CSP on the demo pages (default true). */
  csp?: boolean;
  /** The presence clock (tests). */
  now?: () => number;
  /** The agent feed's retention log (default: in memory, 15 min; with `redisUrl`: in Redis). */
  events?: EventLog;
  /** Heartbeat timing of a cluster node (`redisUrl`; tests shorten it). */
  presenceTiming?: Partial<HeartbeatTiming>;
  /**
   * Open WebSockets, event streams and waiting long-polls per client address (default from
   * VISITORS_PER_ADDRESS: max(100, twice it), 2000 for 1000; config.ts `addressRates`).
   */
  connectionsPerAddress?: number;
  /** Uploads per visitor (default 10 at once, then one every 2 s). */
  uploadRate?: RateOptions;
  /**
   * Uploads per client address, all its visitors together (default from VISITORS_PER_ADDRESS: 100
   * at once, then one a second, for 1000; config.ts `addressRates`).
   */
  uploadAddressRate?: RateOptions;
  /** How often files past FILE_RETENTION_DAYS are deleted (default hourly). */
  fileSweepMs?: number;
  /** Transcript emails per visitor (default 3 at once, then one a minute). */
  emailRate?: RateOptions;
  /**
   * Transcript downloads per visitor (default 5 at once, then one every 10 s): each reads up to
   * 10,000 messages from the database.
   */
  downloadRate?: RateOptions;
  /**
   * Transcript emails per client address (default from VISITORS_PER_ADDRESS: 50 at once, then 100
   * an hour, for 1000; config.ts `addressRates`).
   */
  emailAddressRate?: RateOptions;
  /** Transcript emails per node (default 50 at once, then 200 an hour). */
  emailNodeRate?: RateOptions;
  /** How long an offline notification waits for more of the visitor's frames (default 2 s). */
  notifySettleMs?: number;
  /** How often the database's schema version is checked for a newer release's (default 10 s). */
  schemaCheckMs?: number;
  /**
   * Called once (after its log line) when a newer release migrated the database under this node;
   * it must stop the server. Default: `close()`. main.ts stops as on SIGTERM and exits 1.
   */
  onSchemaNewer?: (version: number) => void;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The agent page with its token in the fragment: `…/agent#token=…`. */
  agentUrl: string;
  agentToken: string;
  port: number;
  settings: Settings;
  hub: Hub;
  /** The link to the other nodes (with `redisUrl`). */
  cluster?: Cluster;
  /** Uploaded files (its `sweep` runs every `fileSweepMs`). */
  files: Files;
  /**
   * Stops accepting, closes every connection, writes what is pending, closes the database.
   * Resolves what it could not do (empty: a clean stop), e.g. activity not written because the
   * database did not answer; each is logged as it fails.
   */
  close(): Promise<string[]>;
}

/** Starts the server and resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const defaults = readSettings({});
  const settings: Settings = { ...defaults };
  for (const k of Object.keys(defaults) as (keyof Settings)[])
    if (options[k] !== undefined) (settings as unknown as Record<string, unknown>)[k] = options[k];
  for (const k of ['userHashSecret', 'allowedOrigins'] as const)
    if (options[k] !== undefined) (settings as unknown as Record<string, unknown>)[k] = options[k];
  if (!settings.agentToken) settings.agentToken = newToken();
  if (settings.redisUrl && !settings.databaseUrl)
    throw new Error(
      'REDIS_URL needs DATABASE_URL: the nodes of a cluster share a Postgres database',
    );
  const log = options.log ?? consoleLogger;
  const root = options.root ?? process.cwd();
  const rate = options.rate ?? { rate: 20, burst: 40 };

  let hub: Hub | undefined;
  let connections = () => 0;
  let cluster: Cluster | undefined;
  const metrics = createMetrics(() => {
    let online = 0;
    for (const v of hub?.visitors.values() ?? []) if (cluster ? v.here : v.online) online++;
    return { connections: connections(), online };
  });
  // In a promise: the SQLite store opens (and fails) synchronously.
  const opened = await Promise.resolve()
    .then(() => openStore({ db: settings.db, databaseUrl: settings.databaseUrl, log }))
    .catch((e: Error) => {
      // Another node on the SQLite file: its message names the file and what to do.
      if (e instanceof SqliteInUse) throw e;
      // A newer release's schema: what to do is in its message, not in "cannot connect".
      if (e instanceof SchemaTooNew)
        throw new Error(
          `${settings.databaseUrl ? 'DATABASE_URL' : `DB ${settings.db}`}: ${e.message}`,
          { cause: e },
        );
      // Name the setting: "connect ECONNREFUSED 127.0.0.1:5432" alone does not say what to fix.
      throw new Error(
        settings.databaseUrl
          ? postgresConnectError(e, settings.databaseUrl)
          : `DB: cannot open the SQLite file ${settings.db} (${e.message})`,
        { cause: e },
      );
    });
  const store = countingStore(opened, metrics.dbError);
  const automations = await createAutomations(
    {
      store,
      log,
      now: options.now ?? Date.now,
      pollMs: options.automationsPollMs,
      onRules: (rules) => hub?.broadcastRules(rules),
    },
    settings.demo ? DEMO_AUTOMATIONS : [],
  );
  if (settings.redisUrl) {
    try {
      cluster = await joinCluster({
        url: settings.redisUrl,
        node: settings.nodeId,
        log,
        timing: options.presenceTiming,
        countsMs: COUNTS_INTERVAL_MS,
        onError: metrics.redisError,
      });
    } catch (e) {
      automations.close();
      await store.close();
      throw new Error(`REDIS_URL: ${redisReason(e)}`, { cause: e });
    }
  }
  const health = createHealth({
    node: settings.nodeId,
    store,
    presence: cluster ? 'redis' : 'memory',
    more: cluster ? [{ name: 'redis', check: cluster.ping }] : [],
  });
  const events = options.events ?? cluster?.events ?? createMemoryEventLog();
  const feed = createAgentFeed({
    log,
    events,
    onCount: (n) => (cluster ? cluster.bus.agentsChanged() : hub?.agentsChanged(n)),
  });
  cluster?.countAgents(() => feed.count());
  const mailer = settings.smtpUrl
    ? createMailer({ url: settings.smtpUrl, from: settings.mailFrom, log, onSent: metrics.email })
    : undefined;
  let base = '';
  const publicBase = () => settings.publicUrl ?? base;
  const notifier: Notifier | undefined =
    mailer && settings.notifyEmail
      ? createNotifier({
          mailer,
          to: settings.notifyEmail,
          intervalMs: settings.notifyIntervalMs,
          settleMs: options.notifySettleMs,
          agentsOnline: () => hub?.agentsOnline() ?? false,
          baseUrl: publicBase,
          log,
          now: options.now,
        })
      : undefined;
  const files = createFiles({
    store,
    blobs: store.blobs ?? createDiskBlobs(settings.uploadDir),
    maxBytes: settings.maxUploadBytes,
    types: settings.uploadTypes,
    retentionDays: settings.fileRetentionDays,
    log,
    now: options.now,
  });
  const fileSweep = setInterval(() => {
    uploads.sweep();
    uploadAddresses.sweep();
    emails.sweep();
    emailsByAddress.sweep();
    downloads.sweep();
    void files.sweep().catch((e) => log.warn('files: sweep failed: ' + String(e)));
  }, options.fileSweepMs ?? 3_600_000);
  fileSweep.unref();
  hub = createHub({
    ...settings,
    store,
    feed,
    events,
    rules: automations.rules,
    bots: automations,
    log,
    metrics,
    botDelayMs: options.botDelayMs,
    sweepMs: options.sweepMs,
    now: options.now,
    cluster,
    files,
    onStored: notifier?.messageStored,
  });
  cluster?.bus.onAgents((online) => hub!.agentsChanged(online ? 1 : 0));
  // Per client address: scaled for the visitors one address may stand for (VISITORS_PER_ADDRESS).
  const perAddress = addressRates(settings.visitorsPerAddress);
  const common = {
    hub,
    log,
    keys: settings.keys,
    allowedOrigins: settings.allowedOrigins,
    rate,
    trustProxy: settings.trustProxy,
    // WebSockets, event streams and waiting long-polls together, per client address.
    slots: createAddressSlots(options.connectionsPerAddress ?? perAddress.connections),
  };
  const sockets = createVisitorSockets({
    ...common,
    pingMs: options.pingMs ?? 30_000,
    maxBuffered: options.maxBuffered,
  });
  const uploads = createHttpLimiter(options.uploadRate ?? { rate: 0.5, burst: 10 });
  const uploadAddresses = createHttpLimiter(options.uploadAddressRate ?? perAddress.upload);
  const emails = createHttpLimiter(options.emailRate ?? { rate: 1 / 60, burst: 3 });
  const downloads = createHttpLimiter(options.downloadRate ?? { rate: 0.1, burst: 5 });
  const emailsByAddress = createHttpLimiter(options.emailAddressRate ?? perAddress.email);
  const emailsByNode = createHttpLimiter(options.emailNodeRate ?? { rate: 200 / 3600, burst: 50 });
  const visitorHttp = createVisitorHttp({
    ...common,
    more: [
      createFilesHttp({
        hub,
        files,
        log,
        keys: settings.keys,
        agentToken: settings.agentToken,
        limiter: uploads,
        addressLimiter: uploadAddresses,
        trustProxy: settings.trustProxy,
      }),
      createTranscriptHttp({
        hub,
        store,
        log,
        keys: settings.keys,
        mailer,
        limiter: emails,
        downloadLimiter: downloads,
        addressLimiter: emailsByAddress,
        nodeLimiter: emailsByNode,
        trustProxy: settings.trustProxy,
        baseUrl: publicBase,
      }),
    ],
    maxBuffered: options.maxBuffered,
    pollMs: options.pollMs,
    pingMs: options.streamPingMs,
  });
  connections = () => sockets.count() + visitorHttp.count();
  cluster?.connections.onFenced(() => {
    // The others took this node for dead: its widgets reconnect (through the balancer, elsewhere).
    sockets.dropAll();
    visitorHttp.dropAll();
  });
  const api = createAgentApi({
    hub,
    feed,
    token: settings.agentToken,
    plan: settings.plan,
    log,
    files,
    automations: createAutomationsApi({ automations, stats: () => store.automationStats() }),
  });
  const pages = createPages({
    root,
    siteKey: settings.keys[0]!,
    baseUrl: () => base,
    csp: options.csp,
    trustProxy: settings.trustProxy,
  });

  /** `/metrics`: for the agent token or METRICS_TOKEN only (counts say how busy a site is). */
  async function sendMetrics(req: IncomingMessage, res: ServerResponse) {
    const m = /^Bearer ([^\s]+)\s*$/i.exec(req.headers.authorization || '');
    const tokens = [settings.agentToken, settings.metricsToken].filter(Boolean) as string[];
    if (!m || !tokens.some((t) => safeEqual(m[1]!, t)))
      return sendError(
        res,
        401,
        'unauthorized',
        'send Authorization: Bearer <AGENT_TOKEN or METRICS_TOKEN>',
        {
          'www-authenticate': 'Bearer',
        },
      );
    const { text, contentType } = await metrics.render();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(text);
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    let url: URL;
    try {
      url = new URL(req.url || '/', 'http://localhost');
    } catch {
      return sendError(res, 400, 'bad_request', 'bad URL');
    }
    const path = url.pathname;
    if (path == '/healthz' && req.method == 'GET') return health(res);
    if (path == '/metrics' && req.method == 'GET') return sendMetrics(req, res);
    if (path.startsWith('/v1/')) return visitorHttp.handle(req, res, url);
    if (path == '/api' || path.startsWith('/api/')) return api.handle(req, res, url);
    if ((req.method == 'GET' || req.method == 'HEAD') && (await pages.handle(req, res, url)))
      return;
    if (req.method != 'GET' && req.method != 'HEAD')
      return sendError(res, 405, 'method_not_allowed', 'use GET', { allow: 'GET, HEAD' });
    res.writeHead(404, {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
    });
    res.end('Not found');
  }

  const server = createServer((req, res) => {
    // Every refusal (4xx/5xx JSON) is logged with its reason; never the query (it may hold a token).
    const where = `http ${req.socket.remoteAddress} ${req.method} ${(req.url || '').split('?')[0]!.slice(0, 200)}`;
    logRefusals(res, (m) => log.warn(`${where}: ${m}`));
    route(req, res).catch((e) => {
      log.error(`${req.method} ${req.url?.split('?')[0]}: ${(e as Error)?.stack || String(e)}`);
      if (!res.headersSent) sendError(res, 500, 'server_error', 'something went wrong');
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    let url: URL | undefined;
    try {
      url = new URL(req.url || '/', 'http://localhost');
    } catch {
      url = undefined;
    }
    if (url?.pathname == '/v1/ws') return sockets.upgrade(req, socket, head, url);
    log.warn(
      `ws ${req.socket.remoteAddress}: upgrade of ${url?.pathname.slice(0, 200)} refused: 404`,
    );
    socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  server.on('clientError', (e: NodeJS.ErrnoException, socket) => {
    // A request Node could not parse; a peer that went away is not worth a line.
    if (e.code != 'ECONNRESET') log.warn(`http: bad request refused: ${e.code ?? e.message}`);
    // Answered, so that a proxy in front passes a 4xx on rather than a 502 of its own.
    const status =
      e.code == 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : e.code == 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    const res = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !res?.headersSent)
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, settings.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    clearInterval(fileSweep);
    await hub.close();
    automations.close();
    feed.close();
    await cluster?.close();
    await store.close();
    throw e;
  }
  server.on('error', (e) => log.error('http server: ' + e.message));

  const port = (server.address() as AddressInfo).port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  base = `http://${host}:${port}`;
  let closing: Promise<string[]> | undefined;

  // A newer release migrated the database under this node (DEPLOY.md, "Upgrades and rollbacks"):
  // its rows would be written with this node's old code, so it stops. A check that fails (the
  // database not answering) does not: that is an outage, not an upgrade.
  let checking = false;
  const schemaCheck = setInterval(() => {
    if (checking || closing) return;
    checking = true;
    opened
      .schemaVersion()
      .then(
        (version) => {
          if (version <= opened.version || closing) return;
          clearInterval(schemaCheck);
          log.error(
            `${opened.kind}: the database was migrated to schema version ${version} by a newer release (this server knows ${opened.version}): stopping`,
          );
          if (options.onSchemaNewer) options.onSchemaNewer(version);
          else void running.close();
        },
        () => {},
      )
      .finally(() => (checking = false));
  }, options.schemaCheckMs ?? 10_000);
  schemaCheck.unref();

  const running: RunningServer = {
    url: base,
    agentUrl: `${base}/agent#token=${encodeURIComponent(settings.agentToken)}`,
    agentToken: settings.agentToken,
    port,
    settings,
    hub,
    cluster,
    files,
    close() {
      return (closing ??= new Promise<string[]>((resolve) => {
        const unfinished: string[] = [];
        clearInterval(fileSweep);
        clearInterval(schemaCheck);
        notifier?.close();
        sockets.close();
        visitorHttp.close();
        feed.close();
        automations.close();
        const flushed = hub!.close();
        events.close();
        server.close(() => {
          flushed
            .then(async (unwritten) => {
              if (unwritten > 0)
                unfinished.push(
                  `the activity of ${unwritten} visitor${unwritten == 1 ? '' : 's'} (last seen, page views) was not written: the database did not answer`,
                );
              if ((await cluster?.close()) === false)
                unfinished.push(
                  "this node's visitors were not removed from Redis: they go offline after the heartbeat TTL",
                );
              await store.close();
            })
            .catch((e) => {
              log.error('closing the store: ' + String(e));
              unfinished.push('the database connections did not close: ' + String(e));
            })
            .then(() => mailer?.close())
            .then(() => resolve(unfinished));
        });
        server.closeAllConnections();
      }));
    },
  };
  return running;
}
