// @vitest-environment node
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAgentFeed, FEED_WRITE_MS, MESSAGE_WRITE_MS } from '../../demo/server/agent-feed';
import { createMemoryEventLog } from '../../demo/server/event-log';
import { quietLogger } from '../../demo/server/log';
import { countRow, noCounts, type Counts, type ListRow } from '../../demo/shared/visitor-list';
import { api, connect, hello, serve, sse, until, visit } from './helpers';

const AUTH = (token: string) => ({ authorization: 'Bearer ' + token });

/** What an agent page would hold if it applied the feed: rows by id, and the last counts. */
function model() {
  const rows = new Map<string, ListRow>();
  let counts: Counts = noCounts();
  return {
    rows,
    apply(e: { event: string; data: string }) {
      const d = JSON.parse(e.data);
      if (e.event == 'visitor') {
        if (d.online) rows.set(d.id, d);
        else rows.delete(d.id);
      } else if (e.event == 'counts') counts = d;
    },
    counts: () => counts,
    /** The counts the rows add up to. */
    derived() {
      const c = noCounts();
      for (const r of rows.values()) countRow(c, r, 1);
      return c;
    },
  };
}

describe('the agent feed', () => {
  it('gives every event an id and resumes after Last-Event-ID with nothing missed', async () => {
    const s = await serve();
    const reference = await sse(s.url + '/api/events', AUTH(s.agentToken));
    const first = await sse(s.url + '/api/events', AUTH(s.agentToken));
    const a = await visit(s.url, { profile: { name: 'Ada' } });
    await first.next('visitor', (v) => v.id == a.vid);
    const lastSeen = first.events.at(-1)!.id;
    first.close();

    // While the page is away: a message, a new visitor, typing.
    a.c.send({ t: 'msg', cid: 'r1', text: 'anyone?', at: Date.now() });
    await a.c.next('ack');
    const b = await visit(s.url);
    a.c.send({ t: 'typing', on: true });
    await reference.next('typing');
    await reference.next('visitor', (v) => v.id == b.vid);

    const resumed = await sse(s.url + '/api/events', {
      ...AUTH(s.agentToken),
      'last-event-id': lastSeen,
    });
    const after = reference.events.slice(reference.events.findIndex((e) => e.id == lastSeen) + 1);
    expect(after.map((e) => e.event)).toEqual(
      expect.arrayContaining(['message', 'visitor', 'typing']),
    );
    await until(() => resumed.events.length >= after.length);
    expect(resumed.events.slice(0, after.length)).toEqual(after);
    for (const e of reference.events) expect(e.id).toMatch(/\S/);
    expect(new Set(reference.events.map((e) => e.id)).size).toBe(reference.events.length);
  });

  it("marks a visitor's message that opens a chat as first, and no other", async () => {
    const s = await serve();
    const feed = await sse(s.url + '/api/events', AUTH(s.agentToken));
    const a = await visit(s.url, { profile: { name: 'Ada' } });
    const say = async (cid: string, text: string) => {
      a.c.send({ t: 'msg', cid, text, at: Date.now() });
      await a.c.next('ack');
      return feed.next('message', (d) => d.visitorId == a.vid && d.message.text == text);
    };
    expect((await say('f1', 'first question')).first).toBe(true);
    expect((await say('f2', 'second')).first).toBeUndefined();
    // An agent answers and closes the chat: the visitor's next message opens a new one.
    const vid = encodeURIComponent(a.vid);
    const reply = await api(s, 'POST', `/api/visitors/${vid}/messages`, { text: 'Hi' });
    expect(reply.status).toBe(201);
    expect((await feed.next('message', (d) => d.message.from == 'agent')).first).toBeUndefined();
    const closed = await api(s, 'DELETE', `/api/visitors/${vid}/conversation`);
    expect(closed.status).toBe(200);
    expect((await say('f3', 'one more thing')).first).toBe(true);
  });

  it('answers an unknown or too old Last-Event-ID with reset, whose id resumes cleanly', async () => {
    const s = await serve();
    await visit(s.url);
    const feed = await sse(s.url + '/api/events', {
      ...AUTH(s.agentToken),
      'last-event-id': 'from-before-a-restart-7',
    });
    const reset = await feed.next('reset');
    expect(reset._id).toMatch(/\S/);
    const again = await sse(s.url + '/api/events', {
      ...AUTH(s.agentToken),
      'last-event-id': reset._id,
    });
    const v = await visit(s.url);
    await again.next('visitor', (x) => x.id == v.vid);
    expect(again.events.map((e) => e.event)).not.toContain('reset');
    const tooLong = await api(s, 'GET', '/api/events?lastEventId=' + 'x'.repeat(201));
    expect(tooLong.status).toBe(400);
  });

  it('sends no visitor event for a change the list does not show (a heartbeat, a reconnect)', async () => {
    const s = await serve();
    const feed = await sse(s.url + '/api/events', AUTH(s.agentToken));
    const h = hello();
    const c = await connect(s.url);
    c.send(h);
    const welcome = await c.next('welcome');
    await feed.next('visitor', (v) => v.id == h.vid);
    for (let i = 0; i < 5; i++) c.send({ t: 'hb', activeAt: Date.now() });
    // A second tab on the same page: a hello, but nothing the list shows changes.
    const tab = await connect(s.url);
    tab.send({ ...h, token: welcome.token, activeAt: Date.now() });
    await tab.next('welcome');
    c.send({ t: 'page', url: 'https://shop.example/cart', title: 'Cart', referrer: '' });
    await feed.next('visitor', (v) => v.id == h.vid && v.currentPage.title == 'Cart');
    const mine = feed.events.filter((e) => e.event == 'visitor' && JSON.parse(e.data).id == h.vid);
    expect(mine).toHaveLength(2);
  });

  it('keeps rows and counts in agreement through a burst of blocks, unblocks and arrivals', async () => {
    const s = await serve();
    const feed = await sse(s.url + '/api/events', AUTH(s.agentToken));
    const first = await Promise.all(Array.from({ length: 12 }, () => visit(s.url)));
    await Promise.all(first.slice(0, 6).map((v) => api(s, 'POST', `/api/visitors/${v.vid}/block`)));
    const [more] = await Promise.all([
      Promise.all(Array.from({ length: 6 }, () => visit(s.url))),
      ...first.slice(0, 3).map((v) => api(s, 'DELETE', `/api/visitors/${v.vid}/block`)),
      ...first.slice(9, 12).map(async (v) => v.c.close()),
    ]);
    more[0]!.c.send({ t: 'msg', cid: 'b1', text: 'hello', at: Date.now() });

    // Wait until the feed has said everything: its counts are the API's.
    const final = await until(async () => {
      const list = (await api(s, 'GET', '/api/visitors')).json;
      const m = model();
      for (const e of feed.events) m.apply(e);
      return JSON.stringify(m.counts()) == JSON.stringify(list.counts) && list;
    }, 5000);
    expect(final.counts).toMatchObject({ all: 15, blocked: 3, chatting: 1 });

    // Applied as a page applies them: rows in a run, with the counts that close it.
    const m = model();
    const events = feed.events;
    let checks = 0;
    for (let i = 0; i < events.length; i++) {
      m.apply(events[i]!);
      const next = events[i + 1]?.event;
      if (events[i]!.event == 'visitor' && (next == 'visitor' || next == 'counts')) continue;
      expect(m.derived(), `after event ${i} (${events[i]!.event})`).toEqual(m.counts());
      checks++;
    }
    expect(checks).toBeGreaterThan(2);
    expect([...m.rows.keys()].sort()).toEqual(final.visitors.map((v: ListRow) => v.id).sort());
  });

  it('sends counts at most once a second, however fast the rows change', async () => {
    const s = await serve();
    const feed = await sse(s.url + '/api/events', AUTH(s.agentToken));
    const arrivals: number[] = [];
    const seen = new Set<number>();
    const watch = setInterval(() => {
      feed.events.forEach((e, i) => {
        if (e.event == 'counts' && !seen.has(i)) {
          seen.add(i);
          arrivals.push(performance.now());
        }
      });
    }, 5);
    try {
      for (let i = 0; i < 8; i++) {
        await visit(s.url);
        await new Promise((r) => setTimeout(r, 150));
      }
      await until(() => arrivals.length >= 2, 3000);
    } finally {
      clearInterval(watch);
    }
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    // A little slack for the reader's own delays on a busy machine.
    for (const g of gaps) expect(g).toBeGreaterThan(900);
  });

  it('compresses the stream as the client accepts, and still delivers each event at once', async () => {
    const s = await serve();
    for (const encoding of ['br', 'gzip']) {
      const feed = await sse(s.url + '/api/events', {
        ...AUTH(s.agentToken),
        'accept-encoding': encoding,
      });
      expect(feed.res.headers.get('content-encoding')).toBe(encoding);
      const v = await visit(s.url, { profile: { name: 'Zed ' + encoding } });
      expect(await feed.next('visitor', (x) => x.id == v.vid)).toMatchObject({
        name: 'Zed ' + encoding,
      });
    }
    const plain = await sse(s.url + '/api/events', {
      ...AUTH(s.agentToken),
      'accept-encoding': 'identity',
    });
    expect(plain.res.headers.get('content-encoding')).toBeNull();
  });
});

/** A response that keeps what the feed writes to it. */
function fakeResponse() {
  const chunks: string[] = [];
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    writableLength: 0,
    writeHead: () => res,
    write: (chunk: string) => chunks.push(chunk) > 0,
    end: () => res.emit('close'),
    destroy: () => res.emit('close'),
  });
  return { res: res as unknown as ServerResponse, text: () => chunks.join(''), chunks };
}

describe("the agent feed's writes", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  async function openFeed() {
    const events = createMemoryEventLog();
    const feed = createAgentFeed({ log: quietLogger, events });
    const out = fakeResponse();
    await feed.open(out.res);
    const row = (id: string) => events.append([{ event: 'visitor', data: `{"id":"${id}"}` }]);
    const message = (text: string, from = 'bot') =>
      events.append([
        {
          event: 'message',
          data: `{"visitorId":"a","message":{"from":"${from}","text":"${text}"}}`,
        },
      ]);
    return { feed, out, row, message };
  }

  it("writes a visitor's message at once, after the rows that waited before it, however busy the feed", async () => {
    const { feed, out, row, message } = await openFeed();
    row('first');
    expect(out.text()).toContain('"first"');
    row('held');
    message('bot reply');
    expect(out.text()).not.toContain('"held"');
    // No time passes: the visitor's message goes without waiting for the write timer.
    message('hello?', 'visitor');
    const text = out.text();
    expect(text).toContain('"hello?"');
    expect(text.indexOf('"held"')).toBeGreaterThan(text.indexOf('"first"'));
    expect(text.indexOf('"bot reply"')).toBeGreaterThan(text.indexOf('"held"'));
    expect(text.indexOf('"hello?"')).toBeGreaterThan(text.indexOf('"bot reply"'));
    expect(text.match(/^id: /gm)).toHaveLength(4);
    feed.close();
  });

  it("writes another chat message (the bot's, an agent's) within MESSAGE_WRITE_MS, after the rows that waited before it", async () => {
    const { feed, out, row, message } = await openFeed();
    row('first');
    expect(out.text()).toContain('"first"');
    row('held');
    expect(out.text()).not.toContain('"held"');
    // The message shortens the wait from FEED_WRITE_MS to MESSAGE_WRITE_MS after the last write.
    message('hello?', 'agent');
    await vi.advanceTimersByTimeAsync(MESSAGE_WRITE_MS - 1);
    expect(out.text()).not.toContain('"hello?"');
    await vi.advanceTimersByTimeAsync(1);
    const text = out.text();
    expect(text).toContain('"hello?"');
    expect(text.indexOf('"held"')).toBeGreaterThan(text.indexOf('"first"'));
    expect(text.indexOf('"hello?"')).toBeGreaterThan(text.indexOf('"held"'));
    expect(text.match(/^id: /gm)).toHaveLength(3);
    feed.close();
  });

  it("writes the bot's message at once when the feed has been quiet for MESSAGE_WRITE_MS", async () => {
    const { feed, out, row, message } = await openFeed();
    row('first');
    await vi.advanceTimersByTimeAsync(MESSAGE_WRITE_MS);
    message('hello?');
    expect(out.text()).toContain('"hello?"');
    feed.close();
  });

  it("writes a burst of the bot's messages together, at most every MESSAGE_WRITE_MS, and every visitor message on its own, none lost or reordered", async () => {
    const { feed, out, message } = await openFeed();
    // 35 messages a second for one second each, as 1,000 chats send at the bench's peak.
    for (const [from, least, most] of [
      ['bot', 10, 12],
      ['visitor', 35, 35],
    ] as const) {
      const before = out.chunks.length;
      for (let i = 0; i < 35; i++) {
        message(from + i, from);
        await vi.advanceTimersByTimeAsync(1000 / 35);
      }
      await vi.advanceTimersByTimeAsync(MESSAGE_WRITE_MS);
      const sent = out.chunks.slice(before);
      expect(sent.length).toBeGreaterThanOrEqual(least);
      expect(sent.length).toBeLessThanOrEqual(most);
      const texts = [...sent.join('').matchAll(/"text":"(\w+)"/g)].map((m) => m[1]);
      expect(texts).toEqual(Array.from({ length: 35 }, (_, i) => from + i));
    }
    feed.close();
  });

  it("still writes a busy feed's row changes at most every FEED_WRITE_MS", async () => {
    const { feed, out, row, message } = await openFeed();
    message('first');
    row('next');
    await vi.advanceTimersByTimeAsync(FEED_WRITE_MS - 1);
    expect(out.text()).not.toContain('"next"');
    await vi.advanceTimersByTimeAsync(1);
    expect(out.text()).toContain('"next"');
    feed.close();
  });
});
