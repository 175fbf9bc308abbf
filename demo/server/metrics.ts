/**
 * `GET /metrics` in the Prometheus text format (prom-client), for monitoring (DESIGN.md §8):
 * open connections, online visitors, frames and messages (counters: Prometheus derives the
 * per-second rates), delivery latency, and Redis and database errors. Each server has its own
 * registry (tests run several in one process). Besides them, prom-client's process metrics:
 * among them the event loop's delay since the last scrape (`nodejs_eventloop_lag_p99_seconds`,
 * `…_max_seconds`) and the time spent in garbage collection by kind (`nodejs_gc_duration_seconds`),
 * which say whether a slow answer waited behind other work on the node rather than took long.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Author } from '../../src/protocol';
import type { Store } from './store';

/** What the server counts. */
export interface Metrics {
  /** A visitor frame was handled. */
  frame(): void;
  /** A message was stored and sent on. */
  message(from: Author): void;
  /** Seconds from a message arriving to it being sent to its recipients (its write included). */
  delivered(seconds: number): void;
  dbError(): void;
  redisError(): void;
  /** A visitor rated a conversation. */
  rating(value: 'good' | 'bad'): void;
  /** An email was sent (or failed), by kind. */
  email(kind: 'transcript' | 'notification', ok: boolean): void;
  /** The text to answer, and its content type. */
  render(): Promise<{ text: string; contentType: string }>;
}

/** Creates the metrics; `sample` is read at each scrape for the gauges. */
export function createMetrics(sample: () => { connections: number; online: number }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({
    register: registry,
    // Fine enough to tell a 5 ms pause from a 50 ms one (the defaults jump from 10 to 100 ms).
    gcDurationBuckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge(
    'visitor_chat_connections',
    'Open visitor connections (WebSockets and HTTP streams).',
    () => sample().connections,
  );
  gauge('visitor_chat_online_visitors', 'Visitors online on this node.', () => sample().online);
  const frames = new Counter({
    name: 'visitor_chat_frames_total',
    help: 'Visitor frames handled.',
    registers: [registry],
  });
  const messages = new Counter({
    name: 'visitor_chat_messages_total',
    help: 'Messages stored and sent on, by author.',
    labelNames: ['from'],
    registers: [registry],
  });
  const delivery = new Histogram({
    name: 'visitor_chat_delivery_seconds',
    help: 'From a message arriving to it being sent to its recipients (its write included).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const dbErrors = new Counter({
    name: 'visitor_chat_db_errors_total',
    help: 'Database calls that failed.',
    registers: [registry],
  });
  const redisErrors = new Counter({
    name: 'visitor_chat_redis_errors_total',
    help: 'Redis calls that failed.',
    registers: [registry],
  });
  const ratings = new Counter({
    name: 'visitor_chat_ratings_total',
    help: 'Conversations rated by visitors, by value.',
    labelNames: ['value'],
    registers: [registry],
  });
  const emails = new Counter({
    name: 'visitor_chat_emails_total',
    help: 'Emails handed to SMTP_URL, by kind and result (sent or failed).',
    labelNames: ['kind', 'result'],
    registers: [registry],
  });
  return {
    rating: (value) => ratings.inc({ value }),
    email: (kind, ok) => emails.inc({ kind, result: ok ? 'sent' : 'failed' }),
    frame: () => frames.inc(),
    message: (from) => messages.inc({ from }),
    delivered: (s) => delivery.observe(s),
    dbError: () => dbErrors.inc(),
    redisError: () => redisErrors.inc(),
    async render() {
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
  };
}

/** The store with every failed call counted (the calls and their results are unchanged). */
export function countingStore(store: Store, onError: () => void): Store {
  const out = { ...store };
  for (const [k, fn] of Object.entries(store))
    if (typeof fn == 'function')
      (out as Record<string, unknown>)[k] = (...args: unknown[]) =>
        (fn as (...a: unknown[]) => Promise<unknown>).apply(store, args).catch((e: unknown) => {
          onError();
          throw e;
        });
  return out;
}
