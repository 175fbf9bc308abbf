/**
 * The agent live feed, `GET /api/events` (docs/PROTOCOL.md, "Agent live feed"): Server-Sent
 * Events `visitor`, `message` and `typing`, a `: ping` comment every 25 s. The number of open
 * feeds is what "agents online" means to the visitors (welcome.online and status frames).
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from './log';

/** A stream whose unsent output exceeds this is too slow: it is closed, not buffered forever. */
const MAX_BUFFERED = 1 << 20;

/** The set of open agent feeds. */
export interface AgentFeed {
  /** Starts an event stream on an authorized request's response. */
  open(res: ServerResponse): void;
  /** Sends one event to every feed; `data` is already JSON. */
  send(event: 'visitor' | 'message' | 'typing', data: string): void;
  /** Open feeds. */
  count(): number;
  close(): void;
}

/** Creates the feed set; `onCount` hears the number of open feeds whenever it changes. */
export function createAgentFeed(o: {
  log: Logger;
  pingMs?: number;
  onCount?: (n: number) => void;
}): AgentFeed {
  const streams = new Set<ServerResponse>();
  const write = (res: ServerResponse, chunk: string) => {
    if (res.writableLength > MAX_BUFFERED) {
      o.log.warn('agent feed too slow: closed');
      res.destroy();
      return;
    }
    res.write(chunk);
  };
  const ping = setInterval(() => {
    for (const res of streams) write(res, ': ping\n\n');
  }, o.pingMs ?? 25_000);
  ping.unref();

  return {
    open(res) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      });
      res.write(': feed\n\n');
      streams.add(res);
      o.onCount?.(streams.size);
      res.on('close', () => {
        if (streams.delete(res)) o.onCount?.(streams.size);
      });
    },
    send(event, data) {
      if (!streams.size) return;
      const chunk = 'event: ' + event + '\ndata: ' + data + '\n\n';
      for (const res of streams) write(res, chunk);
    },
    count: () => streams.size,
    close() {
      clearInterval(ping);
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}
