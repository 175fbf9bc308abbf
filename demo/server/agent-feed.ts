/**
 * The agent live feed, `GET /api/events` (docs/PROTOCOL.md, "Agent live feed"): Server-Sent
 * Events read from the retention log (`visitor`, `counts`, `message`, `typing`, each with an
 * `id:`), `Last-Event-ID` replayed from the log or answered with `reset`, a `: ping` comment
 * every 25 s. The number of open feeds is what "agents online" means to the visitors.
 */
import type { ServerResponse } from 'node:http';
import { urgencyOf } from '../shared/feed-urgency';
import type { EventLog, LoggedEvent } from './event-log';
import type { Logger } from './log';
import { compressedOut, pickEncoding, type StreamOut } from './stream-compression';

/** A stream whose unsent output exceeds this is too slow: it is closed, not buffered forever. */
const MAX_BUFFERED = 1 << 20;

/**
 * A replay larger than this is answered with `reset` instead: a fresh page of the list is
 * smaller than minutes of deltas, and the replay must fit under MAX_BUFFERED.
 */
export const MAX_REPLAY_CHARS = 512 * 1024;

/**
 * A busy feed's rows and counts are written at most this often (a quiet feed's first event goes
 * at once): the page is woken twice a second instead of for every row change among thousands
 * of visitors. A chat message waits far less (MESSAGE_WRITE_MS, demo/shared/feed-urgency.ts).
 */
export const FEED_WRITE_MS = 500;

/**
 * A chat message that is not a visitor's (an agent's, the bot's, an auto message) is written at
 * once when the feed has not written for this long, else when this long has passed since the
 * last write, with what came meanwhile. A visitor's message is written at once
 * (demo/shared/feed-urgency.ts). At 10,000 visitors and 1,000 chats the feed carried about 35
 * chat messages a second, half of them the bot's, each written (and read by the page, a task
 * each) on its own; with this, `npm run bench:agent-page` read 1,442 → 1,011 ms of main-thread
 * task CPU a minute (with the list's smaller overscan).
 */
export const MESSAGE_WRITE_MS = 100;

/** The set of open agent feeds. */
export interface AgentFeed {
  /**
   * Starts an event stream on an authorized request's response, after `lastEventId` if given,
   * compressed as `acceptEncoding` allows.
   */
  open(res: ServerResponse, lastEventId?: string, acceptEncoding?: string): Promise<void>;
  /** Open feeds. */
  count(): number;
  close(): void;
}

/** The `message` of a `message` event's data, or undefined where it does not parse. */
function messageOf(data: string): unknown {
  try {
    return (JSON.parse(data) as { message?: unknown } | null)?.message;
  } catch {}
}

/** One event in the stream format. */
export const frameOf = (e: LoggedEvent) =>
  'id: ' + e.id + '\nevent: ' + e.event + '\ndata: ' + e.data + '\n\n';

/** Creates the feed set over a log; `onCount` hears the number of open feeds when it changes. */
export function createAgentFeed(o: {
  log: Logger;
  events: EventLog;
  pingMs?: number;
  /** Least time between two writes to the feeds (default FEED_WRITE_MS). */
  writeMs?: number;
  /** Least time between two writes when a chat message waits (default MESSAGE_WRITE_MS). */
  messageWriteMs?: number;
  onCount?: (n: number) => void;
}): AgentFeed {
  const streams = new Map<ServerResponse, StreamOut>();
  const write = (res: ServerResponse, out: StreamOut, chunk: string) => {
    if (out.buffered() > MAX_BUFFERED) {
      o.log.warn('agent feed too slow: closed');
      res.destroy();
      return;
    }
    out.write(chunk);
  };
  const ping = setInterval(() => {
    for (const [res, out] of streams) write(res, out, ': ping\n\n');
  }, o.pingMs ?? 25_000);
  ping.unref();
  // Whole batches, several per write: the rows of a flush and their counts reach the page in
  // one write, and a busy feed wakes the page (and the compressor) at most every writeMs, or
  // every messageWriteMs while another chat message waits; a visitor's message goes at once
  // (each with what came before it, in order).
  const writeMs = o.writeMs ?? FEED_WRITE_MS;
  const messageWriteMs = o.messageWriteMs ?? MESSAGE_WRITE_MS;
  let pending = '';
  let writeTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires (ms since the epoch). */
  let writeDue = Infinity;
  let wroteAt = -Infinity;
  const writeAll = () => {
    clearTimeout(writeTimer);
    writeTimer = undefined;
    writeDue = Infinity;
    wroteAt = Date.now();
    const chunk = pending;
    pending = '';
    for (const [res, out] of streams) write(res, out, chunk);
  };
  const unsubscribe = o.events.subscribe((batch) => {
    if (!streams.size) return;
    pending += batch.map(frameOf).join('');
    let wait = writeMs;
    for (const e of batch) {
      const u = urgencyOf(e.event, e.event == 'message' ? messageOf(e.data) : undefined);
      if (u == 'now') return writeAll();
      if (u == 'soon') wait = messageWriteMs;
    }
    const due = wroteAt + wait;
    const t = Date.now();
    if (due <= t) return writeAll();
    if (due >= writeDue) return;
    clearTimeout(writeTimer);
    writeDue = due;
    writeTimer = setTimeout(writeAll, due - t);
  });

  /** `reset`: the page starts again from a fresh list; its id is where the log stands now. */
  const reset = () => frameOf({ id: o.events.lastId(), event: 'reset', data: '{}' });

  return {
    async open(res, lastEventId, acceptEncoding) {
      const encoding = pickEncoding(acceptEncoding);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
        vary: 'accept-encoding',
        ...(encoding && { 'content-encoding': encoding }),
      });
      const out = compressedOut(res, encoding);
      // Events appended while the log answers are held, then sent after the replay.
      let held: LoggedEvent[] | null = [];
      const hold = o.events.subscribe((batch) => held?.push(...batch));
      let replay = ': feed\n\n';
      if (lastEventId) {
        let missed: LoggedEvent[] | 'reset';
        try {
          missed = await o.events.since(lastEventId);
        } catch (e) {
          o.log.error('agent feed: reading the event log failed: ' + String(e));
          missed = 'reset';
        }
        let size = 0;
        for (const e of missed == 'reset' ? [] : missed) size += e.data.length;
        if (missed == 'reset' || size > MAX_REPLAY_CHARS) replay += reset();
        else {
          const seen = new Set(missed.map((e) => e.id));
          replay += missed.map(frameOf).join('');
          held = held.filter((e) => !seen.has(e.id));
        }
      }
      hold();
      if (res.destroyed) return;
      // What waits for the other feeds is older than this one's replay: send it to them first.
      if (pending) writeAll();
      out.write(replay + held.map(frameOf).join(''));
      held = null;
      streams.set(res, out);
      o.onCount?.(streams.size);
      res.on('close', () => {
        if (streams.delete(res)) o.onCount?.(streams.size);
      });
    },
    count: () => streams.size,
    close() {
      clearInterval(ping);
      clearTimeout(writeTimer);
      unsubscribe();
      for (const out of streams.values()) out.end();
      streams.clear();
    },
  };
}
