/**
 * A Server-Sent Events parser for a `fetch` body (the HTML spec's event stream format), because
 * `EventSource` cannot send the `Authorization` header the agent API needs.
 * https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

/** One dispatched event. `event` defaults to `message`. */
export interface SseEvent {
  event: string;
  data: string;
  id: string;
}

/** Feeds text chunks in, calls `onEvent` for every complete event. Lines may end in CRLF, LF or CR. */
export function createSseParser(onEvent: (e: SseEvent) => void) {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let lastId = '';
  let afterCR = false;
  function line(l: string) {
    if (l == '') {
      if (data.length) onEvent({ event: event || 'message', data: data.join('\n'), id: lastId });
      event = '';
      data = [];
      return;
    }
    if (l[0] == ':') return;
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value[0] == ' ') value = value.slice(1);
    if (field == 'event') event = value;
    else if (field == 'data') data.push(value);
    else if (field == 'id' && !value.includes('\0')) lastId = value;
  }
  return {
    push(chunk: string) {
      // A CRLF split across chunks: the CR already ended the line, so drop the LF.
      if (afterCR && chunk[0] == '\n') chunk = chunk.slice(1);
      buffer += chunk;
      const re = /\r\n|\n|\r/g;
      let start = 0;
      for (let m = re.exec(buffer); m; m = re.exec(buffer)) {
        line(buffer.slice(start, m.index));
        start = m.index + m[0].length;
      }
      afterCR = start > 0 && start == buffer.length && buffer[start - 1] == '\r';
      buffer = buffer.slice(start);
    },
    /** The last `id:` seen, for `Last-Event-ID` on reconnect. */
    lastId: () => lastId,
    /** Whether part of an event is buffered (the chunk ended inside it). */
    partial: () => buffer != '' || data.length > 0 || event != '',
  };
}
