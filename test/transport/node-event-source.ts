/**
 * Just enough of EventSource for Node tests (Node 20 has none): `data:` lines become `message`
 * events; a refused stream (not 200) is `CLOSED`, a dropped one goes back to `CONNECTING`, both
 * with an `error` event. It does not reconnect by itself: the HTTP transport closes it on error.
 */
import { get, type ClientRequest } from 'node:http';

export class NodeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  /** Every instance, newest last, so tests can find and drop them. */
  static readonly all: NodeEventSource[] = [];
  readyState = 0;
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: string; lastEventId: string }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  private req: ClientRequest;

  constructor(readonly url: string) {
    NodeEventSource.all.push(this);
    this.req = get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode != 200) {
        res.resume();
        return this.fail(2);
      }
      this.readyState = 1;
      this.onopen?.({});
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const field = (name: string) =>
            lines
              .filter((l) => l.startsWith(name + ':'))
              .map((l) => l.slice(name.length + 1).replace(/^ /, ''));
          const data = field('data');
          if (data.length && this.readyState == 1)
            this.onmessage?.({ data: data.join('\n'), lastEventId: field('id')[0] || '' });
        }
      });
      res.on('close', () => this.fail(0));
    });
    this.req.on('error', () => this.fail(0));
  }

  /** Drops the stream as a network failure would. */
  drop(): void {
    this.req.destroy();
  }

  close(): void {
    this.readyState = 2;
    this.req.destroy();
  }

  private fail(state: number) {
    if (this.readyState == 2) return;
    this.readyState = state;
    this.onerror?.({});
  }
}
