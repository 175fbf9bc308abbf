// @vitest-environment node
/**
 * Rating and transcripts (DESIGN.md §9): a closed conversation is told to the widget, which
 * rates it; the agent API and feed carry the rating; the visitor downloads its conversation as
 * text.
 */
import { describe, expect, it } from 'vitest';
import { PNG, upload } from './file-helpers';
import { api, serve, sse, until, visit } from './helpers';

type Server = Awaited<ReturnType<typeof serve>>;
type Visitor = Awaited<ReturnType<typeof visit>>;

/** The visitor sends `text` with screen.png attached, acknowledged; resolves the uploaded file. */
async function sendWithFile(s: Server, who: Visitor, text: string) {
  const file = (await upload(s, who, PNG, 'screen.png')).json.file;
  who.c.send({ t: 'msg', cid: 'a', text, at: Date.now(), attachments: [{ id: file.id }] });
  await who.c.next('ack');
  return file;
}

describe('rating', () => {
  it('tells the widget the agent closed the conversation, and the rating reaches the agent API and feed', async () => {
    const s = await serve();
    const feed = await sse(s.url + '/api/events', { authorization: 'Bearer ' + s.agentToken });
    const who = await visit(s.url, { profile: { name: 'Ada' } });
    who.c.send({ t: 'msg', cid: 'a', text: 'help', at: Date.now() });
    await who.c.next('ack');
    expect((await api(s, 'GET', '/api/visitors/' + who.vid)).json.rating).toBeNull();
    expect((await api(s, 'DELETE', `/api/visitors/${who.vid}/conversation`)).status).toBe(200);
    await who.c.next('closed');
    who.c.send({ t: 'rate', value: 'bad', comment: '  too slow  ' });
    const row = await feed.next('visitor', (d) => d.id == who.vid && d.rating != null);
    expect(row.rating).toMatchObject({ value: 'bad', comment: 'too slow' });
    const detail = (await api(s, 'GET', '/api/visitors/' + who.vid)).json;
    expect(detail.rating).toEqual({ value: 'bad', comment: 'too slow', at: expect.any(Number) });
    // A second rating of the same conversation replaces the first.
    who.c.send({ t: 'rate', value: 'good' });
    await feed.next('visitor', (d) => d.id == who.vid && d.rating?.value == 'good');
    expect((await api(s, 'GET', '/api/visitors/' + who.vid)).json.rating).toEqual({
      value: 'good',
      at: expect.any(Number),
    });
    const metrics = await fetch(s.url + '/metrics', {
      headers: { authorization: 'Bearer ' + s.agentToken },
    });
    expect(await metrics.text()).toMatch(/visitor_chat_ratings_total\{value="bad"\} 1/);
  });

  it("says the conversation was closed in the widget's language, English for one it does not speak", async () => {
    const s = await serve();
    const { closedText, CLOSED_LANGUAGES } = await import('../../demo/server/closed-text');
    const { LANGUAGES } = await import('../../src/core/language');
    // Every language of the widget has its own.
    expect([...CLOSED_LANGUAGES].sort()).toEqual([...LANGUAGES].sort());
    for (const [lang, text] of [
      ['fr-CA', 'La conversation a été fermée. Écrivez-nous quand vous voulez.'],
      ['pt-BR', 'A conversa foi encerrada. Escreva para nós de novo quando quiser.'],
      ['gd', 'The conversation was closed. Write again any time.'],
    ]) {
      const who = await visit(s.url, { lang });
      who.c.send({ t: 'msg', cid: 'a', text: 'bye', at: Date.now() });
      await who.c.next('ack');
      who.c.send({ t: 'end' });
      let m = await who.c.next('msg');
      while (m.m.from != 'system') m = await who.c.next('msg');
      expect(m.m.text).toBe(text);
      expect(closedText(lang)).toBe(text);
    }
  });

  it('follows a language the widget changed after its hello (the chat frame as the window opens)', async () => {
    const s = await serve();
    const who = await visit(s.url, { lang: 'en' });
    who.c.send({ t: 'chat', open: true, lang: 'de-AT' });
    who.c.send({ t: 'msg', cid: 'a', text: 'tschüss', at: Date.now() });
    await who.c.next('ack');
    expect((await api(s, 'GET', '/api/visitors/' + who.vid)).json.language).toBe('de-AT');
    who.c.send({ t: 'end' });
    let m = await who.c.next('msg');
    while (m.m.from != 'system') m = await who.c.next('msg');
    expect(m.m.text).toBe('Das Gespräch wurde beendet. Schreiben Sie uns jederzeit wieder.');
  });

  it('ends the conversation from the widget like an agent close: closed frame, system message, not chatting', async () => {
    const s = await serve();
    const who = await visit(s.url);
    const tab2 = await visit(s.url, { vid: who.vid, token: who.token });
    const watcher = await visit(s.url, { vid: who.vid, token: who.token });
    who.c.send({ t: 'msg', cid: 'a', text: 'bye', at: Date.now() });
    await who.c.next('ack');
    who.c.send({ t: 'end' });
    await who.c.next('closed');
    await tab2.c.next('closed');
    const detail = (await api(s, 'GET', '/api/visitors/' + who.vid)).json;
    expect(detail.chatting).toBe(false);
    expect(detail.messages.at(-1).from).toBe('system');
    who.c.send({ t: 'rate', value: 'good' });
    who.c.send({ t: 'end' });
    who.c.send({ t: 'rate', value: 'bad' });
    // Frames are handled in order: once this is acknowledged, the ones before it were handled.
    who.c.send({ t: 'msg', cid: 'b', text: 'one more thing', at: Date.now() });
    await who.c.next('ack');
    await until(() => watcher.c.frames.some((f) => f.t == 'msg' && f.m.text == 'one more thing'));
    expect(watcher.c.frames.filter((f) => f.t == 'closed')).toHaveLength(1);
    const after = (await api(s, 'GET', '/api/visitors/' + who.vid)).json;
    expect(after.rating.value).toBe('bad');
  });

  it('answers a rating without any conversation with err no_conversation', async () => {
    const s = await serve();
    const who = await visit(s.url);
    who.c.send({ t: 'rate', value: 'good' });
    expect(await who.c.next('err')).toMatchObject({ code: 'no_conversation' });
    expect((await api(s, 'GET', '/api/visitors/' + who.vid)).json.rating).toBeNull();
  });
});

describe('transcript', () => {
  it('downloads the conversation as text: times (UTC without a zone), author names, files by name and URL', async () => {
    const s = await serve();
    const who = await visit(s.url, { profile: { name: 'Ada' } });
    const q = new URLSearchParams({ key: 'demo', vid: who.vid, token: who.token });
    expect((await fetch(`${s.url}/v1/transcript?${q}`)).status).toBe(404);
    const file = await sendWithFile(s, who, 'Hello\nSecond line');
    await api(s, 'POST', `/api/visitors/${who.vid}/messages`, { text: 'Hi Ada', name: 'Eva' });
    const res = await fetch(`${s.url}/v1/transcript?${q}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="chat-transcript-\d{4}-\d\d-\d\d\.txt"$/,
    );
    const text = await res.text();
    // No time zone came from this visitor's widget: UTC, said.
    const day = /[A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d [AP]M UTC/.source;
    expect(text).toMatch(new RegExp(`^Chat transcript\nStarted: ${day}\n`));
    expect(text).toMatch(new RegExp(`\\[${day}\\] Ada: Hello\n {4}Second line\n`));
    expect(text).toContain(
      `    Attachment: screen.png (image/png, ${PNG.length} B) ${s.url}/v1/files/${file.id}\n`,
    );
    expect(text).toMatch(/\] Eva \(agent\): Hi Ada\n/);
    // The last conversation once it is closed, with its end.
    await api(s, 'DELETE', `/api/visitors/${who.vid}/conversation`);
    const closed = await (await fetch(`${s.url}/v1/transcript?${q}`)).text();
    expect(closed).toMatch(new RegExp(`\nEnded: ${day}\n`));
    expect(closed).toContain('Hi Ada');
    const other = await visit(s.url);
    q.set('token', other.token);
    expect((await fetch(`${s.url}/v1/transcript?${q}`)).status).toBe(401);
  });

  it('limits downloads per visitor (5 at once, then one every 10 s): 429 with Retry-After, others unaffected', async () => {
    const s = await serve();
    const who = await visit(s.url);
    const other = await visit(s.url);
    who.c.send({ t: 'msg', cid: 'd1', text: 'Hello', at: Date.now() });
    await who.c.next('ack');
    const url = (v: { vid: string; token: string }) =>
      `${s.url}/v1/transcript?${new URLSearchParams({ key: 'demo', vid: v.vid, token: v.token })}`;
    for (let i = 0; i < 5; i++) expect((await fetch(url(who))).status).toBe(200);
    const refused = await fetch(url(who));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    expect((await refused.json()).error).toBe('rate_limited');
    // Another visitor's bucket is its own (no conversation: 404, not 429).
    expect((await fetch(url(other))).status).toBe(404);
    // A wrong token is refused before any bucket is touched.
    expect((await fetch(url({ vid: who.vid, token: other.token }))).status).toBe(401);
  });

  it("gives times in the visitor's language and time zone, sizes in its numbers", async () => {
    const { transcriptText } = await import('../../demo/server/transcript');
    const { transcriptWords } = await import('../../demo/server/transcript-words');
    const at = Date.UTC(2026, 11, 7, 3, 49);
    const messages = [
      {
        id: 'm1',
        from: 'visitor' as const,
        text: 'Hallo',
        at,
        attachments: [{ id: 'f', name: 'a.pdf', size: 2048, type: 'application/pdf', url: '/f' }],
      },
    ];
    const info = { visitorName: 'Ada', openedAt: at, base: 'https://chat.test' };
    const de = transcriptText(messages, {
      ...info,
      words: transcriptWords('de'),
      lang: 'de',
      timeZone: 'Europe/Berlin',
    });
    expect(de).toContain('[7. Dez. 2026, 04:49 MEZ] Ada: Hallo\n');
    expect(de).toContain('(application/pdf, 2,0 kB)');
    // A zone or a language Intl does not know (both come from the widget): UTC, English.
    const odd = transcriptText(messages, { ...info, lang: 'constructor', timeZone: 'Mars/Base' });
    expect(odd).toContain('[Dec 7, 2026, 03:49 AM UTC] Ada: Hallo\n');
    expect(odd).toContain('(application/pdf, 2.0 kB)');
  });

  it("speaks the widget's language: every language of the widget has its words, English for one it does not speak", async () => {
    const { TRANSCRIPT_WORDS, transcriptWords, EN } =
      await import('../../demo/server/transcript-words');
    const { LANGUAGES } = await import('../../src/core/language');
    expect(Object.keys(TRANSCRIPT_WORDS).sort()).toEqual([...LANGUAGES].sort());
    for (const [lang, w] of Object.entries(TRANSCRIPT_WORDS)) {
      const all = [
        w.title,
        w.started,
        w.ended,
        w.attachment,
        w.subject,
        ...Object.values(w.authors),
      ];
      expect(
        all.every((x) => typeof x == 'string' && x.trim() == x && x.length > 0),
        lang,
      ).toBe(true);
      // Its own words, not English left in (names such as "Bot" and "System" may be the same).
      if (lang != 'en') expect([w.title, w.started, w.subject], lang).not.toContain(EN.title);
    }
    expect(transcriptWords('pt-BR')).toBe(TRANSCRIPT_WORDS['pt-br']);
    expect(transcriptWords('de-AT')).toBe(TRANSCRIPT_WORDS.de);
    expect(transcriptWords('gd')).toBe(EN);
    expect(transcriptWords('constructor')).toBe(EN);
    expect(transcriptWords(null)).toBe(EN);

    // A Czech visitor downloads a Czech transcript: the words, not the messages, are translated.
    const s = await serve();
    const who = await visit(s.url, { lang: 'cs', profile: { name: 'Ada' } });
    const q = new URLSearchParams({ key: 'demo', vid: who.vid, token: who.token });
    await sendWithFile(s, who, 'Hello');
    await api(s, 'POST', `/api/visitors/${who.vid}/messages`, { text: 'Hi Ada', name: 'Eva' });
    await api(s, 'POST', `/api/visitors/${who.vid}/messages`, { text: 'Anyone?' });
    await api(s, 'DELETE', `/api/visitors/${who.vid}/conversation`);
    const text = await (await fetch(`${s.url}/v1/transcript?${q}`)).text();
    // Czech times too ("7. 12. 2026 4:49 UTC": no zone came from this widget).
    expect(text).toMatch(/^Přepis chatu\nZahájeno: \d{1,2}\. \d{1,2}\. \d{4}.* UTC\nUkončeno: \d/);
    expect(text).toMatch(/\] Ada: Hello\n/);
    expect(text).toContain(`    Příloha: screen.png (image/png, ${PNG.length} B)`);
    expect(text).toMatch(/\] Eva \(operátor\): Hi Ada\n/);
    expect(text).toMatch(/\] Operátor: Anyone\?\n/);
  });

  it('answers 501 to an email request without SMTP_URL', async () => {
    const s = await serve();
    const who = await visit(s.url);
    const q = new URLSearchParams({ key: 'demo', vid: who.vid, token: who.token });
    const res = await fetch(`${s.url}/v1/transcript/email?${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com' }),
    });
    expect(res.status).toBe(501);
    expect((await res.json()).error).toBe('not_configured');
  });
});
