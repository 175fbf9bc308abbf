// @vitest-environment node
/**
 * Email (DESIGN.md §9) through a local SMTP sink: messages left while no agent is online reach
 * NOTIFY_EMAIL (batched per conversation), none while an agent is online, a failing SMTP server
 * changes nothing but a counter, and transcripts are emailed on request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseTrustProxy } from '../../demo/server/client-address';
import { startSmtpSink } from '../helpers/smtp-sink';
import { PNG, upload } from './file-helpers';
import { api, serve, sse, visit } from './helpers';

const sinks: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});
async function sink(o: { reject?: boolean } = {}) {
  const s = await startSmtpSink(o);
  sinks.push(s);
  return s;
}

const mail = (smtpUrl: string, over = {}) => ({
  smtpUrl,
  notifyEmail: 'team@shop.test',
  mailFrom: 'chat@shop.test',
  publicUrl: 'https://chat.shop.test',
  notifySettleMs: 50,
  ...over,
});

describe('offline notifications', () => {
  it('emails messages left while no agent is online, one email per batch, with the visitor and a link', async () => {
    const smtp = await sink();
    const s = await serve(mail(smtp.url, { notifyIntervalMs: 1500 }));
    const who = await visit(s.url, {
      profile: { name: 'Ada Lovelace', email: 'ada@example.com' },
      page: { url: 'https://shop.test/pricing', title: 'Pricing', referrer: '' },
    });
    expect(who.welcome.online).toBe(false);
    const file = (await upload(s, who, PNG, 'cart.png')).json.file;
    const sentAt = Date.now();
    who.c.send({ t: 'msg', cid: 'a', text: 'Is anyone there?', at: Date.now() });
    who.c.send({ t: 'msg', cid: 'b', text: '', at: Date.now(), attachments: [{ id: file.id }] });
    await who.c.next('ack');
    await who.c.next('ack');
    const [first] = await smtp.count(1);
    expect(first!.from).toBe('chat@shop.test');
    expect(first!.to).toEqual(['team@shop.test']);
    expect(first!.subject).toBe('New chat message from Ada Lovelace (2)');
    expect(first!.text).toContain('Visitor: Ada Lovelace <ada@example.com>');
    expect(first!.text).toContain('Page: Pricing — https://shop.test/pricing');
    expect(first!.text).toMatch(/\] Ada Lovelace: Is anyone there\?/);
    expect(first!.text).toContain(
      `Attachment: cart.png (image/png, ${PNG.length} B) https://chat.shop.test/v1/files/${file.id}`,
    );
    expect(first!.text).toContain('Reply on the agent page: https://chat.shop.test/agent');
    // The next message waits for the interval: at most one email per conversation per interval.
    who.c.send({ t: 'msg', cid: 'c', text: 'Still here', at: Date.now() });
    await who.c.next('ack');
    const [, second] = await smtp.count(2);
    expect(second!.text).toContain('Still here');
    expect(second!.text).not.toContain('Is anyone there?');
    // The first went at least the settle time (50 ms) after the first message was sent, the
    // second at least the interval after the first went.
    expect(second!.at - sentAt).toBeGreaterThanOrEqual(1500 + 50);
  });

  it('sends nothing for a message written while an agent is online', async () => {
    const smtp = await sink();
    const s = await serve(mail(smtp.url));
    const feed = await sse(s.url + '/api/events', { authorization: 'Bearer ' + s.agentToken });
    const who = await visit(s.url);
    expect(who.welcome.online).toBe(true);
    who.c.send({ t: 'msg', cid: 'a', text: 'agent is here', at: Date.now() });
    await who.c.next('ack');
    feed.close();
    // Agents count as gone after a grace (a page reloading): the widget is then told.
    expect(await who.c.next('status', 15_000)).toMatchObject({ online: false });
    who.c.send({ t: 'msg', cid: 'b', text: 'nobody now', at: Date.now() });
    await who.c.next('ack');
    const [only] = await smtp.count(1);
    expect(only!.text).toContain('nobody now');
    expect(only!.text).not.toContain('agent is here');
    expect(smtp.received).toHaveLength(1);
  }, 30_000);

  it('a failing SMTP server is logged and counted, and the chat goes on', async () => {
    const smtp = await sink({ reject: true });
    const s = await serve(mail(smtp.url));
    const who = await visit(s.url);
    who.c.send({ t: 'msg', cid: 'a', text: 'hello?', at: Date.now() });
    expect((await who.c.next('ack')).cid).toBe('a');
    const auth = { authorization: 'Bearer ' + s.agentToken };
    for (const end = Date.now() + 10_000; ;) {
      const text = await (await fetch(s.url + '/metrics', { headers: auth })).text();
      if (/visitor_chat_emails_total\{kind="notification",result="failed"\} 1/.test(text)) break;
      if (Date.now() > end) throw new Error('no failed email counted: ' + text);
      await new Promise((r) => setTimeout(r, 50));
    }
    who.c.send({ t: 'msg', cid: 'b', text: 'still works', at: Date.now() });
    expect((await who.c.next('ack')).cid).toBe('b');
  });
});

describe('transcript email', () => {
  it('emails the transcript to the address given, or the visitor’s, and refuses a bad one', async () => {
    const smtp = await sink();
    const s = await serve({ smtpUrl: smtp.url, mailFrom: 'chat@shop.test' });
    const who = await visit(s.url, { profile: { name: 'Ada', email: 'ada@example.com' } });
    who.c.send({ t: 'msg', cid: 'a', text: 'Keep a copy', at: Date.now() });
    await who.c.next('ack');
    const q = new URLSearchParams({ key: 'demo', vid: who.vid, token: who.token });
    const post = (body?: unknown) =>
      fetch(`${s.url}/v1/transcript/email?${q}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await post({ email: 'not an address' })).status).toBe(400);
    expect((await post({ email: 'copy@example.com' })).status).toBe(202);
    expect((await post()).status).toBe(202);
    const [a, b] = await smtp.count(2);
    expect([a!.to, b!.to].sort()).toEqual([['ada@example.com'], ['copy@example.com']]);
    expect(a!.subject).toBe('Your chat transcript');
    expect(a!.text).toMatch(/\] Ada: Keep a copy/);
  });

  it('emails the transcripts of 30 visitors behind one address (an office NAT) by default', async () => {
    // Before VISITORS_PER_ADDRESS the 11th visitor of an office in an hour got 429 (10 an hour).
    const smtp = await sink();
    const s = await serve({ smtpUrl: smtp.url, mailFrom: 'chat@shop.test' });
    const codes = [];
    for (let i = 0; i < 30; i++) {
      const who = await visit(s.url);
      who.c.send({ t: 'msg', cid: 'a', text: 'Please send me this', at: Date.now() });
      await who.c.next('ack');
      const q = new URLSearchParams({ key: 'demo', vid: who.vid, token: who.token });
      const r = await fetch(`${s.url}/v1/transcript/email?${q}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `v${i}@office.example` }),
      });
      codes.push(r.status);
      who.c.close();
    }
    expect(codes).toEqual(Array(30).fill(202));
    expect((await smtp.count(30)).length).toBe(30);
  });

  it('limits transcript emails per client address and per node, not only per visitor', async () => {
    // A new visitor costs one hello: with a limit per visitor alone, anyone could send any text
    // from MAIL_FROM to any inbox (a security audit sent 90 in 1.3 s).
    const smtp = await sink();
    const s = await serve({
      smtpUrl: smtp.url,
      mailFrom: 'chat@shop.test',
      emailAddressRate: { rate: 1 / 3600, burst: 3 },
    });
    const ask = async () => {
      const who = await visit(s.url);
      who.c.send({ t: 'msg', cid: 'a', text: 'Your account is suspended', at: Date.now() });
      await who.c.next('ack');
      const q = new URLSearchParams({ key: 'demo', vid: who.vid, token: who.token });
      return fetch(`${s.url}/v1/transcript/email?${q}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'victim@example.org' }),
      });
    };
    for (let i = 0; i < 3; i++) expect((await ask()).status).toBe(202);
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect((await smtp.count(3)).length).toBe(3);

    // Per node: whatever addresses the requests come from.
    const t = await serve({
      smtpUrl: smtp.url,
      mailFrom: 'chat@shop.test',
      trustProxy: parseTrustProxy('1'),
      emailNodeRate: { rate: 1 / 3600, burst: 2 },
    });
    const from = async (address: string) => {
      const who = await visit(t.url);
      who.c.send({ t: 'msg', cid: 'a', text: 'Hello', at: Date.now() });
      await who.c.next('ack');
      const q = new URLSearchParams({ key: 'demo', vid: who.vid, token: who.token });
      return (
        await fetch(`${t.url}/v1/transcript/email?${q}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
          body: JSON.stringify({ email: 'someone@example.org' }),
        })
      ).status;
    };
    expect([await from('198.51.100.1'), await from('198.51.100.2')]).toEqual([202, 202]);
    expect(await from('198.51.100.3')).toBe(429);
  });

  it('charges no email budget for a request that sends nothing (no conversation yet)', async () => {
    // The tokens were taken before the 404: a visitor without a conversation spent its own
    // budget and its address's (an office's honest visitors) on requests that sent no email.
    const smtp = await sink();
    const s = await serve({
      smtpUrl: smtp.url,
      mailFrom: 'chat@shop.test',
      emailAddressRate: { rate: 1 / 3600, burst: 2 },
      emailNodeRate: { rate: 1 / 3600, burst: 2 },
    });
    const post = (
      who: { vid: string; token: string },
      body: unknown = { email: 'a@example.org' },
    ) =>
      fetch(
        `${s.url}/v1/transcript/email?${new URLSearchParams({ key: 'demo', vid: who.vid, token: who.token })}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
      );
    const idle = await visit(s.url);
    for (let i = 0; i < 4; i++) {
      const r = await post(idle);
      expect(r.status).toBe(404);
      expect(((await r.json()) as { error: string }).error).toBe('no_conversation');
      expect((await post(idle, { email: 'not an address' })).status).toBe(400);
    }
    idle.c.send({ t: 'msg', cid: 'a', text: 'Now there is one', at: Date.now() });
    await idle.c.next('ack');
    expect((await post(idle)).status).toBe(202);
    const other = await visit(s.url);
    other.c.send({ t: 'msg', cid: 'a', text: 'Me too', at: Date.now() });
    await other.c.next('ack');
    expect((await post(other)).status).toBe(202);
    // The budget of 2 is spent by the 2 emails sent, and only by them.
    expect((await post(other)).status).toBe(429);
    expect((await smtp.count(2)).length).toBe(2);
  });

  it("sends it in the widget's language, subject included", async () => {
    const smtp = await sink();
    const s = await serve({ smtpUrl: smtp.url, mailFrom: 'chat@shop.test' });
    const who = await visit(s.url, { lang: 'de-AT', profile: { email: 'ada@example.com' } });
    who.c.send({ t: 'msg', cid: 'a', text: 'Bitte eine Kopie', at: Date.now() });
    await who.c.next('ack');
    await api(s, 'POST', `/api/visitors/${who.vid}/messages`, { text: 'Gern', name: 'Eva' });
    const q = new URLSearchParams({ key: 'demo', vid: who.vid, token: who.token });
    const res = await fetch(`${s.url}/v1/transcript/email?${q}`, { method: 'POST' });
    expect(res.status).toBe(202);
    const [mail] = await smtp.count(1);
    expect(mail!.subject).toBe('Ihr Chatverlauf');
    expect(mail!.text).toMatch(/^Chatverlauf\r?\nBegonnen: /);
    expect(mail!.text).toMatch(/\] Besucher: Bitte eine Kopie\r?\n/);
    // German nouns keep their capital after a name.
    expect(mail!.text).toMatch(/\] Eva \(Mitarbeiter\): Gern\r?\n/);
  });
});
