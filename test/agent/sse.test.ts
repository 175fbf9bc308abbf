import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from '../../demo/agent/sse';

function parse(...chunks: string[]) {
  const events: SseEvent[] = [];
  const p = createSseParser((e) => events.push(e));
  for (const c of chunks) p.push(c);
  return { events, lastId: p.lastId() };
}

describe('the SSE parser', () => {
  it('dispatches named events on a blank line and skips comments', () => {
    const { events } = parse(': ping\n\nevent: visitor\ndata: {"id":1}\n\ndata: plain\n\n');
    expect(events).toEqual([
      { event: 'visitor', data: '{"id":1}', id: '' },
      { event: 'message', data: 'plain', id: '' },
    ]);
  });

  it('joins multi-line data and accepts CRLF, LF and CR line ends', () => {
    const { events } = parse('event: a\r\ndata: one\r\ndata:two\r\n\r\nevent: b\rdata: x\r\r');
    expect(events).toEqual([
      { event: 'a', data: 'one\ntwo', id: '' },
      { event: 'b', data: 'x', id: '' },
    ]);
  });

  it('handles events split anywhere across chunks, even inside a CRLF', () => {
    const text = 'id: 7\r\nevent: typing\r\ndata: {"on":true}\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const { events, lastId } = parse(text.slice(0, cut), text.slice(cut));
      expect(events).toEqual([{ event: 'typing', data: '{"on":true}', id: '7' }]);
      expect(lastId).toBe('7');
    }
  });

  it('does not dispatch an event without data, nor an unfinished one', () => {
    expect(parse('event: x\n\n', 'event: y\ndata: 1\n').events).toEqual([]);
  });

  it('says whether a chunk ended inside an event', () => {
    const p = createSseParser(() => {});
    p.push('id: 1\nevent: visitor\ndata: {}\n\n');
    expect(p.partial()).toBe(false);
    p.push('id: 2\nevent: cou');
    expect(p.partial()).toBe(true);
    p.push('nts\ndata: {}\n');
    expect(p.partial()).toBe(true);
    p.push('\n');
    expect(p.partial()).toBe(false);
    expect(p.lastId()).toBe('2');
  });
});
