import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mountAgentPage } from '../../demo/agent/mount';
import { APPLY_INTERVAL_MS, FRAME_FALLBACK_MS } from '../../demo/agent/store';
import type { Counts, Visitor, VisitorDetail } from '../../demo/agent/types';
import { createFakeApi, fakeMedia, memoryStorage, visitor, type Call } from './fake-api';

/**
 * `vi.waitFor` with room for a busy machine. Feed batches are applied at most every
 * APPLY_INTERVAL_MS (500 ms of fake time) and waitFor advances fake time by 50 ms a check: at
 * least ten checks, which a loaded CI machine may not fit in waitFor's default second.
 */
const until = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000 });

const COUNTS: Counts = {
  all: 3,
  active: 2,
  chatting: 1,
  customers: 1,
  autoMessage: 1,
  blocked: 0,
};

const ADA = visitor({
  id: 'ada-id',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  customer: true,
  verified: true,
  chatting: true,
  status: 'unserved',
  visits: 3,
  device: 'mobile',
  country: { code: 'DE', name: 'Germany' },
  timeZone: 'Europe/Berlin',
  variables: { plan: 'gold', orders: { label: 'Orders', value: 7 } },
  currentPage: { url: 'https://shop.example/pricing', title: 'Pricing' },
  lastMessage: { id: 'm1', from: 'visitor', text: 'Is there a discount?', at: Date.now() },
});
const ANON = visitor({ id: 'anon-id', status: 'triggered', autoMessageReceived: true });
const IDLE = visitor({ id: 'idle-id', active: false, status: 'idle', device: 'tablet' });

interface Setup {
  visitors?: Visitor[];
  counts?: Counts;
  plan?: string;
  detail?: (id: string) => Partial<VisitorDetail>;
  handle?: (c: Call) => Answer | Promise<Answer>;
  hash?: string;
  narrow?: boolean;
  storage?: ReturnType<typeof memoryStorage>;
  frame?: (run: () => void) => void;
  automations?: () => Promise<typeof import('../../demo/agent/automations/main')>;
}

type Answer = { status?: number; body?: unknown } | undefined;

let unmount: (() => void) | undefined;

/** A list handler whose answers say they are current with feed event `id`. */
const listAt =
  (id: string, visitors: Visitor[] = [ADA, ANON, IDLE]) =>
  (c: Call) =>
    c.method == 'GET' && c.url.pathname == '/api/visitors'
      ? { body: { visitors, counts: COUNTS, total: visitors.length, lastEventId: id } }
      : undefined;

function start(o: Setup = {}) {
  // A little server state, so that a reload after an action sees its effect.
  const list = (o.visitors || [ADA, ANON, IDLE]).map((v) => ({ ...v }));
  const api = createFakeApi((c) => {
    const custom = o.handle?.(c);
    if (custom) return custom;
    const p = c.url.pathname;
    if (c.method == 'GET' && p == '/api/visitors')
      return { body: { visitors: list, counts: o.counts || COUNTS, plan: o.plan } };
    const m = /^\/api\/visitors\/([^/]+)(\/.*)?$/.exec(p);
    if (!m) return undefined;
    const id = decodeURIComponent(m[1]);
    const v = list.find((x) => x.id == id);
    if (!v) return { status: 404, body: { error: 'not_found', message: 'No such visitor' } };
    if (c.method == 'GET' && !m[2])
      return { body: { messages: [], pages: [], ...v, ...o.detail?.(id) } };
    if (m[2] == '/conversation') Object.assign(v, { chatting: true, status: 'served' });
    if (m[2] == '/block') v.blocked = c.method == 'POST';
    return { body: { ok: true } };
  });
  const media = fakeMedia(!!o.narrow);
  const history = { state: null, replaceState: vi.fn() };
  const storage = o.storage || memoryStorage();
  const page = mountAgentPage({
    document,
    location: { hash: o.hash ?? '#token=secret', pathname: '/agent', search: '' },
    history,
    storage,
    fetch: api.fetch,
    matchMedia: media.matchMedia,
    frame: o.frame,
    automations: o.automations,
  });
  unmount = page.unmount;
  return { api, media, history, storage, store: page.store! };
}

const $ = <E extends Element = HTMLElement>(sel: string) => document.querySelector<E>(sel);
const $$ = <E extends Element = HTMLElement>(sel: string) => [...document.querySelectorAll<E>(sel)];
const text = (sel: string) => $(sel)?.textContent || '';
const rowOf = (id: string) => $<HTMLButtonElement>(`.row[data-id="${id}"]`);
const tab = (label: string) => $$('[role=tab]').find((t) => t.textContent!.startsWith(label))!;

function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

async function openDetail(id: string) {
  await until(() => expect(rowOf(id)).toBeTruthy());
  rowOf(id)!.click();
  await until(() => expect($('.detail h2')).toBeTruthy());
}

/** A page whose animation frames run when the test says, once its list and feed are there. */
async function startFramed() {
  const frames: (() => void)[] = [];
  const { api } = start({ frame: (run) => frames.push(run) });
  await until(() => expect(rowOf('anon-id')).toBeTruthy());
  await until(() => expect(api.feedOpen()).toBe(true));
  return { api, frames };
}

/** Lets the feed's chunks through without moving the fake clock (vi.waitFor would). */
const settle = async () => {
  for (let i = 0; i < 50; i++) await vi.advanceTimersByTimeAsync(0);
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  document.body.innerHTML = '<div id="app"></div>';
});

afterEach(() => {
  unmount?.();
  unmount = undefined;
  vi.useRealTimers();
});

describe('the Visitors page', () => {
  it('takes the token from the URL fragment, hides it and keeps it for a reload', async () => {
    const { api, history, storage } = start({ hash: '#token=s3cret' });
    expect(history.replaceState).toHaveBeenCalledWith(null, '', '/agent');
    expect([...storage.data.values()]).toEqual(['s3cret']);
    await until(() => expect(api.calls.length).toBeGreaterThanOrEqual(2));
    for (const c of api.calls) expect(c.headers.authorization).toBe('Bearer s3cret');
    unmount!();

    document.body.innerHTML = '';
    const again = start({ hash: '', storage });
    await until(() => expect(again.api.calls.length).toBeGreaterThan(0));
    expect(again.api.calls[0].headers.authorization).toBe('Bearer s3cret');
    expect(again.history.replaceState).not.toHaveBeenCalled();
    // No #app in this document: the page made its own container.
    expect($('body > #app')).toBeTruthy();
  });

  it('explains how to get the agent URL when there is no token', () => {
    const { api } = start({ hash: '' });
    expect(text('#app')).toContain('needs the agent token');
    expect(text('#app')).toContain('npm start');
    expect(text('#app')).toContain('#token=');
    expect(api.calls).toEqual([]);
  });

  it('lists the visitors with state icons, badges and readable labels', async () => {
    start();
    await until(() => expect($$('.row[data-id]')).toHaveLength(3));
    const ada = rowOf('ada-id')!;
    expect(ada.querySelector('.name')!.textContent).toBe('Ada Lovelace');
    expect(ada.querySelector('svg[role=img]')!.getAttribute('aria-label')).toBe('Waiting');
    expect(ada.querySelector('svg title')!.textContent).toContain('waits for an agent');
    const badges = [...ada.querySelectorAll('.badge')].map((b) => b.textContent);
    expect(badges).toEqual(['Customer', '✓ Verified', 'Returning', 'Mobile', '🇩🇪 DE']);
    expect(ada.querySelector('.badge-country')!.getAttribute('title')).toBe('Germany');
    expect(ada.querySelector('.badge-country [role=img]')!.getAttribute('aria-label')).toBe(
      'Germany',
    );
    expect(ada.textContent).toContain('Pricing');
    expect(ada.textContent).toContain('https://shop.example/pricing');
    expect(ada.textContent).toContain('3 visits');
    expect(ada.textContent).toMatch(/On site \d+ min/);
    expect(ada.textContent).toContain('Is there a discount?');

    const anon = rowOf('anon-id')!;
    expect(anon.querySelector('.name')!.textContent).toMatch(/^Visitor #[0-9A-F]{6}$/);
    expect(anon.querySelector('svg')!.getAttribute('aria-label')).toBe('Auto message');
    expect(rowOf('idle-id')!.querySelector('svg')!.getAttribute('aria-label')).toBe('Idle');
    expect(rowOf('idle-id')!.textContent).toContain('Tablet');
    // Most urgent first: waiting for an agent, auto message, then idle.
    expect($$('.row[data-id]').map((r) => r.dataset.id)).toEqual(['ada-id', 'anon-id', 'idle-id']);
    // Each icon shape is explained in the legend.
    const legend = $$('.legend li svg').map((s) => s.getAttribute('aria-label'));
    expect(legend).toEqual(['Waiting', 'Served', 'Auto message', 'Active', 'Idle']);
  });

  it('shows the filter tabs with counts and asks the API for the chosen filter', async () => {
    const { api } = start();
    await until(() => expect(tab('All').textContent).toBe('All 3'));
    expect($('[role=tablist]')!.getAttribute('aria-label')).toBe('Filter visitors');
    expect($$('[role=tab]').map((t) => t.textContent)).toEqual([
      'All 3',
      'Active 2',
      'In chat 1',
      'Customers 1',
      'Auto message received 1',
      'Blocked 0',
    ]);
    expect(tab('All').getAttribute('aria-selected')).toBe('true');
    expect(api.listParams()).toEqual([['all', null]]);

    tab('In chat').click();
    await until(() => expect(api.listParams()).toHaveLength(2));
    expect(api.listParams()[1]).toEqual(['chatting', null]);
    expect(tab('In chat').getAttribute('aria-selected')).toBe('true');
    expect(tab('In chat').tabIndex).toBe(0);
    expect(tab('All').tabIndex).toBe(-1);
    expect($('[role=tabpanel]')!.getAttribute('aria-labelledby')).toBe('tab-chatting');

    // Arrow keys move through the tabs (and select them), one request for a quick run.
    const list = $('[role=tablist]')!;
    list.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    list.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    await until(() => expect(api.listParams()).toHaveLength(3));
    expect(api.listParams()[2]).toEqual(['auto-message', null]);
    await vi.advanceTimersByTimeAsync(500);
    expect(api.listParams()).toHaveLength(3);
  });

  it('searches through the API with q, debounced', async () => {
    const { api, store } = start();
    await until(() => expect(api.listParams()).toHaveLength(1));
    const search = $<HTMLInputElement>('input[type=search]')!;
    expect(search.getAttribute('aria-label')).toBe('Search visitors');
    type(search, 'a');
    type(search, 'ad');
    type(search, 'ada');
    await vi.advanceTimersByTimeAsync(100);
    expect(api.listParams()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(api.listParams()).toEqual([
      ['all', null],
      ['all', 'ada'],
    ]);
    // The answer is said, not only drawn (a screen reader hears what the search found).
    await until(() =>
      expect(text('[aria-live=polite]')).toMatch(
        /^(\d+ visitors? match(es)?|No visitor matches) “ada”/,
      ),
    );
    // Enter does not wait; the list says it is busy until the answer is in.
    type(search, 'lovelace');
    search.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(store.listBusy.value).toBe(true);
    await until(() => expect(api.listParams()).toHaveLength(3));
    expect(api.listParams()[2]).toEqual(['all', 'lovelace']);
    await until(() => expect($('[role=tabpanel]')!.getAttribute('aria-busy')).toBe('false'));
  });

  it('says in a live region, there before it, that the open visitor is typing', async () => {
    const { api } = start();
    await openDetail('ada-id');
    await until(() => expect(api.feedOpen()).toBe(true));
    const region = $('.detail .typing')!;
    expect(region.getAttribute('role')).toBe('status');
    expect(region.textContent).toBe('');
    api.push('typing', { visitorId: 'ada-id', on: true });
    await until(() => expect(region.textContent).toBe('Ada Lovelace is typing…'));
    expect($('.detail .typing')).toBe(region);
    api.push('typing', { visitorId: 'ada-id', on: false });
    await until(() => expect(region.textContent).toBe(''));
  });

  it('updates a row live from the feed and drops a visitor that goes offline', async () => {
    const { api } = start();
    await until(() => expect(rowOf('anon-id')).toBeTruthy());
    await until(() => expect(api.feedOpen()).toBe(true));
    api.push('visitor', { ...ANON, name: 'Grace', status: 'served', chatting: true });
    await until(() => expect(rowOf('anon-id')!.textContent).toContain('Grace'));
    expect(rowOf('anon-id')!.querySelector('svg')!.getAttribute('aria-label')).toBe('Served');

    api.push('visitor', visitor({ id: 'new-id', name: 'Linus' }));
    await until(() => expect(rowOf('new-id')).toBeTruthy());

    api.push('visitor', { ...IDLE, online: false });
    await until(() => expect(rowOf('idle-id')).toBeNull());

    api.push('typing', { visitorId: 'ada-id', on: true });
    await until(() => expect(rowOf('ada-id')!.textContent).toContain('typing…'));
    api.push('message', {
      visitorId: 'ada-id',
      message: { id: 'm2', from: 'visitor', text: 'Hello?', at: Date.now() },
    });
    await until(() => expect(rowOf('ada-id')!.textContent).toContain('Hello?'));
    // Ada was already in a chat (and is not open): not announced. A new chat is.
    expect(text('[aria-live=polite]')).toBe('');
    api.push('message', {
      visitorId: 'new-id',
      message: { id: 'm3', from: 'visitor', text: 'First question', at: Date.now() },
    });
    await until(() =>
      expect(text('[aria-live=polite]')).toContain('New message from Linus: First question'),
    );

    // The counts come from the feed too: no list request for any of it.
    api.push('counts', { ...COUNTS, active: 3, chatting: 2 });
    await until(() => expect(tab('In chat').textContent).toBe('In chat 2'));
    expect(text('.online')).toBe('3 online · 3 active');
    await vi.advanceTimersByTimeAsync(3000);
    expect(api.listParams()).toHaveLength(1);
  });

  it('announces a new chat the server marks as first, whether or not its row is loaded', async () => {
    const { api } = start();
    await until(() => expect(rowOf('ada-id')).toBeTruthy());
    await until(() => expect(api.feedOpen()).toBe(true));
    // A visitor outside the loaded rows (another tab's, or far down a long list).
    api.push('message', {
      visitorId: 'far-id',
      message: { id: 'm4', from: 'visitor', text: 'Where is my order?', at: Date.now() },
      first: true,
    });
    await until(() =>
      expect(text('[aria-live=polite]')).toContain(
        'New message from a visitor: Where is my order?',
      ),
    );
    // The row came chatting before its message (one batch): still a new chat.
    api.push('visitor', { ...IDLE, name: 'Grace', status: 'new', chatting: true });
    api.push('message', {
      visitorId: 'idle-id',
      message: { id: 'm5', from: 'visitor', text: 'Hi there', at: Date.now() },
      first: true,
    });
    await until(() =>
      expect(text('[aria-live=polite]')).toContain('New message from Grace: Hi there'),
    );
    // Her next message is not the first: not announced.
    api.push('message', {
      visitorId: 'idle-id',
      message: { id: 'm6', from: 'visitor', text: 'Anyone?', at: Date.now() },
    });
    await until(() => expect(rowOf('idle-id')!.textContent).toContain('Anyone?'));
    expect(text('[aria-live=polite]')).toContain('Hi there');
  });

  it('applies a feed batch in the next animation frame, or after 100 ms when none comes (a hidden tab)', async () => {
    const { api, frames } = await startFramed();
    api.push('visitor', { ...ANON, name: 'Grace' });
    await until(() => expect(frames).toHaveLength(1));
    expect(rowOf('anon-id')!.textContent).not.toContain('Grace');
    frames.shift()!();
    await until(() => expect(rowOf('anon-id')!.textContent).toContain('Grace'));

    // The next batch (after the apply interval) gets no frame: the fallback applies it once.
    api.push('visitor', { ...ANON, name: 'Hidden tab' });
    for (let t = 0; t <= APPLY_INTERVAL_MS && !frames.length; t += 10)
      await vi.advanceTimersByTimeAsync(10);
    expect(frames).toHaveLength(1);
    expect(rowOf('anon-id')!.textContent).not.toContain('Hidden tab');
    await vi.advanceTimersByTimeAsync(FRAME_FALLBACK_MS);
    await until(() => expect(rowOf('anon-id')!.textContent).toContain('Hidden tab'));
    // The late frame finds nothing left to do.
    frames.shift()!();
    expect(rowOf('anon-id')!.textContent).toContain('Hidden tab');
  });

  it("applies a new chat's message in the next frame, without waiting out the apply interval", async () => {
    const { api, frames } = await startFramed();
    api.push('visitor', { ...IDLE, name: 'Grace' });
    await until(() => expect(frames).toHaveLength(1));
    frames.shift()!();
    await until(() => expect(rowOf('idle-id')!.textContent).toContain('Grace'));

    // Inside the interval: a row change and a message of a chat already going (Ada's) wait…
    api.push('visitor', { ...IDLE, name: 'Grace Hopper' });
    api.push('message', {
      visitorId: 'ada-id',
      message: { id: 'm8', from: 'visitor', text: 'Any news?', at: Date.now() },
    });
    await settle();
    expect(frames).toHaveLength(0);
    // …a new chat's first message does not, and takes what waited with it.
    api.push('message', {
      visitorId: 'anon-id',
      message: { id: 'm9', from: 'visitor', text: 'Hello there', at: Date.now() },
    });
    for (let i = 0; i < 200 && !frames.length; i++) await vi.advanceTimersByTimeAsync(0);
    expect(frames).toHaveLength(1);
    frames.shift()!();
    await until(() => expect(rowOf('anon-id')!.textContent).toContain('Hello there'));
    expect(rowOf('ada-id')!.textContent).toContain('Any news?');
    expect(rowOf('idle-id')!.textContent).toContain('Grace Hopper');
  });

  it('keeps a live visitor out of a filter it does not match', async () => {
    const { api } = start();
    await until(() => expect(api.feedOpen()).toBe(true));
    tab('Blocked').click();
    await until(() => expect(api.listParams()).toHaveLength(2));
    api.push('visitor', visitor({ id: 'free-id', blocked: false }));
    api.push('visitor', visitor({ id: 'banned-id', blocked: true }));
    await until(() => expect(rowOf('banned-id')).toBeTruthy());
    expect(rowOf('free-id')).toBeNull();
  });

  it('shows a reconnecting banner while the feed is down, then resumes it without a refetch', async () => {
    const { api } = start({ handle: listAt('e1') });
    await until(() => expect(text('.feed')).toBe('Live'));
    // The feed starts after the event the list is current with.
    const feedCalls = () => api.calls.filter((c) => c.url.pathname == '/api/events');
    expect(feedCalls()[0]!.headers['last-event-id']).toBe('e1');
    api.push('visitor', { ...ANON, name: 'Grace' }, 'e2');
    await until(() => expect(rowOf('anon-id')!.textContent).toContain('Grace'));
    api.setFeedStatus(503);
    api.dropFeed();
    await until(() => expect(text('.banner')).toContain('reconnecting'));
    expect($('.banner')!.getAttribute('role')).toBe('status');
    await vi.advanceTimersByTimeAsync(5000);
    expect(api.connections()).toBeGreaterThan(2);
    api.setFeedStatus(200);
    $<HTMLButtonElement>('.banner button')!.click();
    await until(() => expect($('.banner')).toBeNull());
    expect(feedCalls().at(-1)!.headers['last-event-id']).toBe('e2');
    expect(api.listParams()).toHaveLength(1);

    // The server could not resume: the list is fetched again.
    api.push('reset', {}, 'e9');
    await until(() => expect(api.listParams()).toHaveLength(2));
  });

  it('shows each variable under its label from the agent API ("Spending: 1234.5")', async () => {
    start({
      detail: () => ({
        variables: { spending: '1234.5', plan: 'gold' },
        variableLabels: { spending: 'Spending' },
      }),
    });
    await openDetail('ada-id');
    await until(() =>
      expect($$('.detail dl div').map((d) => d.textContent)).toContain('Spending1234.5'),
    );
    const pairs = $$('.detail dl div').map((d) => [
      d.querySelector('dt')?.textContent,
      d.querySelector('dd')?.textContent,
    ]);
    expect(pairs).toContainEqual(['Spending', '1234.5']);
    const location = pairs.find(([k]) => k == 'Location')![1];
    expect(location).toMatch(/^🇩🇪 Germany · \d\d:\d\d( [AP]M)? local time \(Europe\/Berlin\)$/);
    expect($('.detail [role=img][aria-label=Germany]')!.textContent).toBe('🇩🇪');
    // A variable without a label shows its key.
    expect(pairs).toContainEqual(['plan', 'gold']);
  });

  it('opens a detail panel with identity, variables, pages and the conversation', async () => {
    start({
      detail: () => ({
        pages: [
          { url: 'https://shop.example/', title: 'Home', at: Date.now() - 60_000 },
          { url: 'https://shop.example/pricing', title: 'Pricing', at: Date.now() },
        ],
        messages: [
          { id: 'm0', from: 'trigger', text: 'Need help?', at: Date.now() - 30_000 },
          { id: 'm1', from: 'visitor', text: 'Is there a discount?', at: Date.now() },
        ],
      }),
    });
    await openDetail('ada-id');
    expect(text('.detail h2')).toBe('Ada Lovelace');
    // Focus moves to the panel's heading so a screen reader announces it.
    expect(document.activeElement).toBe($('.detail h2'));
    await until(() => expect($$('.messages li')).toHaveLength(2));
    const dl = $$('.detail dl div').map((d) => d.textContent);
    expect(dl).toContain('Emailada@example.com');
    expect(dl).toContain('Visitor idada-id');
    expect(dl).toContain('plangold');
    expect(dl).toContain('Orders7');
    expect($$('.pages li a').map((a) => a.textContent)).toEqual(['Pricing', 'Home']);
    const home = $$<HTMLAnchorElement>('.pages li a')[1];
    expect(home.href).toBe('https://shop.example/');
    expect(home.rel).toBe('noopener noreferrer');
    expect($$('.msg strong').map((s) => s.textContent)).toEqual(['Auto message', 'Ada Lovelace']);
    expect($$('.msg time')).toHaveLength(2);

    // Escape closes it and gives the focus back to the row.
    $('.detail')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await until(() => expect($('.detail')).toBeNull());
    expect(document.activeElement).toBe(rowOf('ada-id'));
  });

  it('opens a conversation, then sends into it', async () => {
    const { api } = start({ plan: 'pro' });
    await openDetail('anon-id');
    const submit = $<HTMLButtonElement>('.composer button[type=submit]')!;
    expect(submit.textContent).toBe('Open a conversation');
    // Nothing written: a hint, in a live region that was there before it (so it is announced).
    const why = $('#composer-why')!;
    expect(why.getAttribute('role')).toBe('status');
    submit.click();
    await until(() => expect(text('#composer-why')).toBe('Write a message first.'));
    expect($('#composer-why')).toBe(why);
    expect(api.requests()).not.toContain('POST /api/visitors/anon-id/conversation');
    type($<HTMLTextAreaElement>('#composer-text')!, '  Hi there!  ');
    submit.click();
    await until(() => expect(api.requests()).toContain('POST /api/visitors/anon-id/conversation'));
    const open = api.calls.find((c) => c.url.pathname.endsWith('/conversation'))!;
    expect(open.body).toEqual({ text: 'Hi there!' });
    // It is now a chat: the button sends, and the text box is empty again.
    await until(() => expect(text('.composer button[type=submit]')).toBe('Send'));
    expect($<HTMLTextAreaElement>('#composer-text')!.value).toBe('');

    type($<HTMLTextAreaElement>('#composer-text')!, 'Anything else?');
    $<HTMLButtonElement>('.composer button[type=submit]')!.click();
    await until(() => expect(api.requests()).toContain('POST /api/visitors/anon-id/messages'));
    const sent = api.calls.find((c) => c.url.pathname.endsWith('/messages'))!;
    expect(sent.body).toEqual({ text: 'Anything else?' });
  });

  it('shows an agent message from the feed in the open conversation', async () => {
    const { api } = start();
    await openDetail('ada-id');
    await until(() => expect(api.feedOpen()).toBe(true));
    api.push('message', {
      visitorId: 'ada-id',
      message: { id: 'a1', from: 'agent', name: 'Sam', text: 'Yes: 10% off', at: Date.now() },
    });
    await until(() => expect(text('.messages')).toContain('Yes: 10% off'));
    expect(text('.messages strong')).toBe('Sam');
  });

  it('explains and disables "Open a conversation" after a 403 plan_required', async () => {
    const { api } = start({
      handle: (c) =>
        c.url.pathname.endsWith('/conversation')
          ? { status: 403, body: { error: 'plan_required', message: 'Upgrade to open chats.' } }
          : undefined,
    });
    await openDetail('anon-id');
    type($<HTMLTextAreaElement>('#composer-text')!, 'Hello');
    $<HTMLButtonElement>('.composer button[type=submit]')!.click();
    await until(() => expect(text('#composer-why')).toContain('STANDARD and PRO'));
    expect($<HTMLButtonElement>('.composer button[type=submit]')!.disabled).toBe(true);
    expect($<HTMLTextAreaElement>('#composer-text')!.getAttribute('aria-describedby')).toBe(
      'composer-why',
    );
    expect(api.requests().filter((r) => r.endsWith('/conversation'))).toHaveLength(1);
    // A visitor already in a chat can still be answered.
    await openDetail('ada-id');
    expect($<HTMLButtonElement>('.composer button[type=submit]')!.disabled).toBe(false);
  });

  it('knows the free plan from the list answer before any click', async () => {
    start({ plan: 'free' });
    await openDetail('anon-id');
    expect($<HTMLButtonElement>('.composer button[type=submit]')!.disabled).toBe(true);
    expect(text('#composer-why')).toContain('PLAN=standard');
  });

  it('blocks and unblocks, with the result visible at once', async () => {
    const { api } = start();
    await openDetail('anon-id');
    const button = () => $<HTMLButtonElement>('.detail-head .block')!;
    expect(button().textContent).toBe('Block');
    button().click();
    await until(() => expect(api.requests()).toContain('POST /api/visitors/anon-id/block'));
    await until(() => expect(button().textContent).toBe('Unblock'));
    expect(rowOf('anon-id')!.textContent).toContain('Blocked');
    // The counts move with the row (issue 10: Blocked stayed 1 after Unblock).
    expect(tab('Blocked').textContent).toBe('Blocked 1');
    expect(text('.detail .badges')).toContain('Blocked');
    expect($<HTMLTextAreaElement>('#composer-text')!.disabled).toBe(true);
    expect(text('[aria-live=polite]')).toMatch(/is blocked/);

    button().click();
    await until(() => expect(api.requests()).toContain('DELETE /api/visitors/anon-id/block'));
    await until(() => expect(button().textContent).toBe('Block'));
    expect(rowOf('anon-id')!.textContent).not.toContain('Blocked');
    expect(tab('Blocked').textContent).toBe('Blocked 0');
  });

  it('keeps what Block did when feed events from before it are applied after its answer', async () => {
    const { api, frames } = await startFramed();
    await openDetail('anon-id');
    // A row update the feed sent before the block (not blocked), waiting for its frame.
    api.push('visitor', { ...ANON, name: 'Grace' });
    await settle();
    const button = () => $<HTMLButtonElement>('.detail-head .block')!;
    // Answered without the clock moving: the batch is still waiting for its frame.
    button().click();
    await settle();
    expect(api.requests()).toContain('POST /api/visitors/anon-id/block');
    expect(button().textContent).toBe('Unblock');
    for (const run of frames.splice(0)) run();
    await vi.advanceTimersByTimeAsync(1000);
    expect(button().textContent).toBe('Unblock');
    expect(rowOf('anon-id')!.textContent).toContain('Grace');
    expect(rowOf('anon-id')!.textContent).toContain('Blocked');
  });

  it('keeps what Block did when a detail read sent before it is answered after it', async () => {
    // The panel's refresh (after a feed event) reads the visitor; the server answers it late,
    // with what it had before the block.
    let release = () => {};
    let held: Promise<void> | undefined;
    const stale = {
      ...ANON,
      name: 'Grace',
      messages: [{ id: 'old', from: 'visitor', text: 'Hi', at: 1 }],
      pages: [],
    };
    const { api } = start({
      handle: (c) =>
        held && c.method == 'GET' && c.url.pathname == '/api/visitors/anon-id'
          ? held.then(() => ({ body: stale }))
          : undefined,
    });
    await openDetail('anon-id');
    await until(() => expect(api.feedOpen()).toBe(true));
    held = new Promise<void>((r) => (release = r));
    api.push('visitor', { ...ANON, name: 'Grace' });
    await until(() =>
      expect(api.requests().filter((r) => r == 'GET /api/visitors/anon-id')).toHaveLength(2),
    );
    const button = () => $<HTMLButtonElement>('.detail-head .block')!;
    button().click();
    await until(() => expect(button().textContent).toBe('Unblock'));
    // A message of the feed comes while the read is out.
    api.push('message', {
      visitorId: 'anon-id',
      message: { id: 'new', from: 'visitor', text: 'Still there?', at: Date.now() },
    });
    await until(() => expect(text('.messages')).toContain('Still there?'));
    release();
    await until(() => expect(text('.messages')).toContain('Hi'));
    // The late answer brought the messages it had; not the visitor as it was before the block.
    expect(button().textContent).toBe('Unblock');
    expect(text('.detail .badges')).toContain('Blocked');
    expect($$('.messages li').map((li) => li.textContent)).toEqual([
      expect.stringContaining('Hi'),
      expect.stringContaining('Still there?'),
    ]);
    expect(text('.detail h2')).toBe('Grace');
  });

  it('shows API errors with their message', async () => {
    start({
      handle: (c) =>
        c.url.pathname.endsWith('/block')
          ? { status: 500, body: { error: 'internal', message: 'Database is locked' } }
          : undefined,
    });
    await openDetail('anon-id');
    $<HTMLButtonElement>('.detail-head .block')!.click();
    await until(() => expect(text('.detail [role=alert]')).toBe('Database is locked'));
  });

  it("says refusals written for integrators in the agent's words, and the server's own message otherwise", async () => {
    let answer: { status: number; body: unknown } | 'throw' = 'throw';
    start({
      handle: (c) => {
        if (!c.url.pathname.endsWith('/block')) return undefined;
        if (answer == 'throw') throw new TypeError('Failed to fetch');
        return answer;
      },
    });
    await openDetail('anon-id');
    const block = () => $<HTMLButtonElement>('.detail-head .block')!.click();
    const alert = () => text('.detail [role=alert]');
    block();
    await until(() =>
      expect(alert()).toBe('Cannot reach the server: check the connection, then try again.'),
    );
    answer = {
      status: 409,
      body: { error: 'no_conversation', message: 'open one with POST …/conversation' },
    };
    block();
    await until(() =>
      expect(alert()).toBe('The conversation was closed meanwhile: open one to write.'),
    );
    // A code that is a name on every object is no key of the page's texts.
    answer = { status: 409, body: { error: 'constructor', message: 'Refused.' } };
    block();
    await until(() => expect(alert()).toBe('Refused.'));
  });

  it('tells the agent when the token is refused', async () => {
    start({ handle: () => ({ status: 401, body: { error: 'unauthorized' } }) });
    await until(() => expect(text('[role=alert]')).toContain('token was refused'));
  });

  it('renders visitor-supplied text as text and links only http(s) URLs', async () => {
    const evil = visitor({
      id: 'evil-id',
      name: '<img src=x onerror=alert(1)>',
      currentPage: { url: 'javascript:alert(1)', title: '<b>bold</b>' },
      referrer: 'javascript:alert(2)',
      variables: { '<i>k</i>': '<script>alert(3)</script>' },
    });
    start({
      visitors: [evil],
      detail: () => ({
        pages: [{ url: 'javascript:alert(1)', title: '<b>bold</b>', at: Date.now() }],
        messages: [{ id: 'x', from: 'visitor', text: '<img src=y onerror=alert(4)>', at: 1 }],
      }),
    });
    await openDetail('evil-id');
    await until(() => expect($$('.messages li')).toHaveLength(1));
    expect($$('img, b, i, script')).toEqual([]);
    expect(text('.row .name')).toBe('<img src=x onerror=alert(1)>');
    expect(text('.detail h2')).toBe('<img src=x onerror=alert(1)>');
    expect(text('.row .page-title')).toBe('<b>bold</b>');
    expect(text('.msg-text')).toBe('<img src=y onerror=alert(4)>');
    expect(text('.detail')).toContain('<script>alert(3)</script>');
    expect(text('.detail')).toContain('javascript:alert(1)');
    expect($$('a').filter((a) => !/^https?:/.test(a.getAttribute('href') || ''))).toEqual([]);
    expect($$('.detail .unlinked').map((s) => s.textContent)).toContain('<b>bold</b>');
  });

  it('loads more active visitors in the compact view as the agent moves down, up to the first idle one', async () => {
    const list = crowd(1500).map((v, i) =>
      i < 700 ? v : { ...v, active: false, status: 'idle' as const },
    );
    const { api } = start({ narrow: true, handle: paged(list) });
    await until(() => expect($$('.row[data-id]').length).toBeGreaterThan(0));
    expect($('.list')!.classList.contains('compact')).toBe(true);
    const pages = () => listPages(api.calls);
    $<HTMLElement>('[role=option][tabindex="0"]')!.focus();
    // The set is the active visitors (the counts'), not the 50 rows loaded so far.
    expect(document.activeElement!.getAttribute('aria-setsize')).toBe('700');
    // Near the end of the first 50: the next page, as in the full view.
    for (let i = 1; i <= 4; i++) {
      key('PageDown');
      await until(() => expect(at()).toBe(1 + 11 * i));
    }
    await until(() => expect(pages()).toEqual(['0+50', '40+110']));
    // End: pages up to the first idle visitor (the list sorts them last), then its last active one.
    key('End');
    await until(() => expect((document.activeElement as HTMLElement).dataset.id).toBe('c00699'));
    expect(at()).toBe(700);
    expect(pages()).toEqual(['0+50', '40+110', '140+510', '640+510']);
    expect(rowOf('c00700')).toBeNull();
    // The idle visitors hidden, all of them (from the counts), not only the loaded ones.
    expect(text('.note')).toBe('Compact view: active visitors only (800 idle hidden).');
    await settle();
    expect($('.loading-more')).toBeNull();
    expect(pages()).toHaveLength(4);
  });

  it('shows only active visitors in the compact view, automatic on narrow screens', async () => {
    const { media } = start({ narrow: true });
    await until(() => expect($$('.row[data-id]')).toHaveLength(2));
    expect($('.list')!.classList.contains('compact')).toBe(true);
    expect(rowOf('idle-id')).toBeNull();
    expect(text('.note')).toContain('1 idle hidden');
    const toggle = $<HTMLInputElement>('input[role=switch]')!;
    expect(toggle.checked).toBe(true);

    media.set(false);
    await until(() => expect($$('.row[data-id]')).toHaveLength(3));
    expect(toggle.checked).toBe(false);

    // The agent's own choice wins over the screen width.
    toggle.checked = true;
    toggle.dispatchEvent(new Event('change', { bubbles: true }));
    await until(() => expect($$('.row[data-id]')).toHaveLength(2));
  });

  it('says an idle match is hidden by the compact view, not that nothing matches', async () => {
    const { store } = start({
      narrow: true,
      // The server's search: only the idle visitor matches "idle".
      handle: (c) =>
        c.method == 'GET' && c.url.pathname == '/api/visitors' && c.url.searchParams.get('q')
          ? { body: { visitors: [IDLE], counts: COUNTS, total: 1 } }
          : undefined,
    });
    await until(() => expect($$('.row[data-id]')).toHaveLength(2));
    store.setQuery('idle', true);
    await until(() => expect($$('.row[data-id]')).toHaveLength(0));
    expect(text('.note')).toContain('1 idle hidden');
    expect(text('.empty')).toBe(
      'No active visitor matches “idle”: switch the compact view off to see the idle ones.',
    );
  });

  it('takes searches up to the 200 characters the server does', async () => {
    start();
    expect($<HTMLInputElement>('input[type=search]')!.maxLength).toBe(200);
  });
});

/** `n` online visitors, each its own id, newest visit first. */
const crowd = (n: number, over: Partial<Visitor> = {}) =>
  Array.from({ length: n }, (_, i) =>
    visitor({
      id: 'c' + String(i).padStart(5, '0'),
      name: 'Guest ' + i,
      visitStartedAt: 1_000_000 - i,
      ...over,
    }),
  );
/** A paging list handler over `list` (filter `all`, no search). */
const paged =
  (list: Visitor[], lastEventId = '') =>
  (c: Call) => {
    if (c.method != 'GET' || c.url.pathname != '/api/visitors') return undefined;
    const offset = Number(c.url.searchParams.get('offset') || 0);
    const limit = Number(c.url.searchParams.get('limit') || 500);
    const counts = {
      ...COUNTS,
      all: list.length,
      active: list.filter((v) => v.active).length,
      chatting: 0,
    };
    return {
      body: {
        visitors: list.slice(offset, offset + limit),
        counts,
        total: list.length,
        offset,
        lastEventId,
      },
    };
  };

/** The focused row's place in the list. */
const at = () => Number(document.activeElement!.getAttribute('aria-posinset'));

/** The list requests among `calls`, as `offset+limit`. */
const listPages = (calls: Call[]) =>
  calls
    .filter((c) => c.url.pathname == '/api/visitors')
    .map((c) => c.url.searchParams.get('offset') + '+' + c.url.searchParams.get('limit'));

/** A list of 180 with End pressed on its first row: its last 50 rows loaded after the first 50. */
async function endOf180() {
  const { api } = start({ handle: paged(crowd(180)) });
  await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
  $<HTMLElement>('[role=option][tabindex="0"]')!.focus();
  key('End');
  await until(() => expect(at()).toBe(180));
  expect(listPages(api.calls)).toEqual(['0+50', '130+60']);
  return () => listPages(api.calls);
}

/** A key press on the focused element. */
const key = (k: string) =>
  document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));

describe('files and ratings on the Visitors page', () => {
  const file = (id: string, name: string, type: string, size: number) => ({
    id,
    name,
    type,
    size,
    url: '/v1/files/' + id,
  });
  /** The page, its visitor's conversation one message with `attachments`; files read as bytes. */
  const withFiles = (attachments: ReturnType<typeof file>[], more: object = {}) =>
    start({
      detail: () => ({
        ...more,
        messages: [{ id: 'm1', from: 'visitor', text: '', at: Date.now(), attachments }],
      }),
      handle: (c) =>
        c.url.pathname.startsWith('/v1/files/') ? { body: new Blob(['bytes']) } : undefined,
    });

  it('shows an image as a thumbnail and a PDF as a chip, read with the token, and the rating', async () => {
    const created = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:agent');
    const { api } = withFiles(
      [
        file('img1', 'shot.png', 'image/png', 2048),
        file('pdf1', 'offer.pdf', 'application/pdf', 1_400_000),
      ],
      { rating: { value: 'bad', comment: 'too <b>slow</b>', at: Date.now() } },
    );
    await openDetail('ada-id');
    await until(() => expect($('.file-thumb img')).toBeTruthy());
    expect($<HTMLImageElement>('.file-thumb img')!.getAttribute('src')).toBe('blob:agent');
    expect($('.file-thumb img')!.getAttribute('alt')).toBe('shot.png');
    const read = api.calls.find((c) => c.url.pathname == '/v1/files/img1')!;
    expect(read.headers.authorization).toBe('Bearer secret');
    expect(text('.file-chip')).toBe('offer.pdfPDF · 1.4 MB');
    expect(created).toHaveBeenCalledTimes(1);
    expect($$('.detail dl div').map((d) => d.textContent)).toContain(
      'Rating👎 Bad — “too <b>slow</b>”',
    );
    expect($('.detail dl b')).toBeNull();
  });

  it("lets go of a thumbnail's image when the conversation closes", async () => {
    let n = 0;
    vi.spyOn(URL, 'createObjectURL').mockImplementation(() => 'blob:agent-' + ++n);
    const spy = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    // This test's URLs only (an earlier test's page may give its own back meanwhile).
    const revoked = () =>
      spy.mock.calls.map((c) => c[0]).filter((u) => u.startsWith('blob:agent-'));
    withFiles([file('img1', 'shot.png', 'image/png', 2048)]);
    for (let i = 1; i <= 3; i++) {
      await openDetail('ada-id');
      await until(() => expect($('.file-thumb img')?.getAttribute('src')).toBe('blob:agent-' + i));
      expect(revoked()).toHaveLength(i - 1);
      $<HTMLButtonElement>('.detail .close.shut')!.click();
      await until(() => expect($('.detail h2')).toBeNull());
      // Each image read is given back once its thumbnail has gone.
      await until(() => expect(revoked().at(-1)).toBe('blob:agent-' + i));
    }
    expect(revoked()).toEqual(['blob:agent-1', 'blob:agent-2', 'blob:agent-3']);
  });

  it('sends a file into the open conversation as the raw body with its name', async () => {
    const { api } = start();
    await openDetail('ada-id');
    const input = $<HTMLInputElement>('.attach input[type=file]')!;
    const f = new File(['%PDF-1.4'], 'price list.pdf', { type: 'application/pdf' });
    Object.defineProperty(input, 'files', { value: [f] });
    input.dispatchEvent(new Event('change', { bubbles: true }));
    await until(() => expect(api.requests()).toContain('POST /api/visitors/ada-id/files'));
    const sent = api.calls.find((c) => c.url.pathname.endsWith('/files'))!;
    expect(sent.headers['x-filename']).toBe('price%20list.pdf');
    expect(sent.headers['content-type']).toBe('application/pdf');
    expect(await (sent.body as Blob).text()).toBe('%PDF-1.4');
  });
});

// Keyboard walks of dozens of steps, each waiting for its render: about 2 s on a quiet machine,
// over 5 s when CI runs the browser suites beside them.
describe('the Visitors page at scale', { timeout: 30_000 }, () => {
  it('applies a burst of 500 deltas from the feed, rows and counts together, without a list request', async () => {
    const { api, store } = start();
    await until(() => expect(api.feedOpen()).toBe(true));
    const arrivals = crowd(450);
    const events = [
      ...arrivals.map((v) => ({ event: 'visitor', data: v })),
      ...Array.from({ length: 25 }, (_, i) => ({
        event: 'visitor',
        data: { ...arrivals[i]!, blocked: true },
      })),
      ...Array.from({ length: 25 }, (_, i) => ({
        event: 'visitor',
        data: { ...arrivals[100 + i]!, online: false },
      })),
      { event: 'counts', data: { ...COUNTS, all: 428, active: 427, blocked: 25 } },
    ];
    // One batch, cut by the network in seven places: applied once, whole.
    let disagreements = 0;
    const check = () => {
      if (store.counts.value!.all != store.visitors.value.length) disagreements++;
    };
    const seen = vi.fn(check);
    const stop = store.visitors.subscribe(seen);
    const stopCounts = store.counts.subscribe(check);
    api.pushBatch(events, 7);
    await until(() => expect(tab('All').textContent).toBe('All 428'));
    stop();
    stopCounts();
    expect(store.visitors.value).toHaveLength(428);
    expect(tab('Blocked').textContent).toBe('Blocked 25');
    expect(disagreements).toBe(0);
    expect($$('[role=option]')[0]!.getAttribute('aria-setsize')).toBe('428');
    expect(api.listParams()).toHaveLength(1);
  });

  it('renders only the rows in view plus a margin, with their place in the whole list', async () => {
    start({ handle: paged(crowd(180)) });
    await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
    const options = $$('[role=option]');
    expect(options.length).toBeLessThan(40);
    expect($('[role=listbox]')!.getAttribute('aria-label')).toBe('All visitors');
    expect(options[0]!.getAttribute('aria-posinset')).toBe('1');
    expect(options[0]!.getAttribute('aria-setsize')).toBe('180');
    expect(options[0]!.textContent).toContain('Guest 0');
  });

  it('moves through the list with the keyboard and opens a visitor with Enter', async () => {
    const { api } = start({ handle: paged(crowd(180)) });
    await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
    const listbox = $('[role=listbox]')!;
    // One tab stop: the first option.
    expect($$('[role=option]').filter((o) => o.tabIndex == 0)).toHaveLength(1);
    $<HTMLElement>('[role=option][tabindex="0"]')!.focus();
    key('ArrowDown');
    await until(() => expect(document.activeElement!.getAttribute('aria-posinset')).toBe('2'));
    // End: the last visitor (180 of 180), though only 50 were loaded: it loads the rest first.
    key('End');
    await until(() => expect(document.activeElement!.getAttribute('aria-posinset')).toBe('180'));
    expect(document.activeElement!.getAttribute('aria-setsize')).toBe('180');
    expect((document.activeElement as HTMLElement).dataset.id).toBe('c00179');
    expect(listbox.contains(document.activeElement)).toBe(true);
    expect($$('[role=option]').length).toBeLessThan(60);
    key('Home');
    await until(() => expect(document.activeElement!.getAttribute('aria-posinset')).toBe('1'));
    key('ArrowDown');
    await until(() => expect(document.activeElement!.getAttribute('aria-posinset')).toBe('2'));
    key('Enter');
    await until(() => expect(text('.detail h2')).toBe('Guest 1'));
    expect(api.requests()).toContain('GET /api/visitors/c00001');
  });

  // The feed re-sorts the list under an agent working by keyboard: the focus must stay on a row.
  describe('the keyboard focus while the feed moves the rows', () => {
    /** Visitors who start a chat: they sort above everyone else. */
    const newChats = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        visitor({ id: 'chat' + i, name: 'Chat ' + i, status: 'unserved', chatting: true }),
      );

    it('stays on its visitor, which the view follows, after Tab alone (no key used)', async () => {
      const list = crowd(40);
      const { api } = start({ handle: paged(list) });
      await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
      await until(() => expect(api.feedOpen()).toBe(true));
      // Tab into the list: its tab stop, the first row.
      $<HTMLElement>('[role=option][tabindex="0"]')!.focus();
      expect((document.activeElement as HTMLElement).dataset.id).toBe('c00000');
      const view = $('.viewport')!;
      const before = view.scrollTop;
      for (const v of newChats(20)) api.push('visitor', v);
      // The feed's batches: the first at once, the rest at most twice a second. Twenty rows go
      // in above it: the same visitor keeps the focus, now 21st (the new chats are above the
      // view, so not in the DOM), and the view moved down with it (rows are 60 px until
      // measured; happy-dom measures none).
      await until(() => expect(at()).toBe(21));
      await settle();
      expect((document.activeElement as HTMLElement).dataset?.id).toBe('c00000');
      expect(view.scrollTop - before).toBe(20 * 60);
      // The keys go on from there.
      key('ArrowDown');
      await until(() => expect((document.activeElement as HTMLElement).dataset.id).toBe('c00001'));
    });

    it('goes to the row in its place when its visitor leaves the list, not to the page', async () => {
      const list = crowd(40);
      const { api } = start({ handle: paged(list) });
      await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
      await until(() => expect(api.feedOpen()).toBe(true));
      $<HTMLElement>('[role=option][tabindex="0"]')!.focus();
      key('ArrowDown');
      await until(() => expect(at()).toBe(2));
      key('ArrowDown');
      await until(() => expect(at()).toBe(3));
      api.push('visitor', { ...list[2]!, online: false });
      await until(() => expect(rowOf('c00002')).toBeNull());
      await until(() => expect((document.activeElement as HTMLElement).dataset?.id).toBe('c00003'));
      expect(at()).toBe(3);
    });

    it('closing the panel of a visitor who left the list focuses the list, not the page', async () => {
      const list = crowd(40);
      const { api } = start({ handle: paged(list) });
      await until(() => expect(api.feedOpen()).toBe(true));
      await openDetail('c00002');
      api.push('visitor', { ...list[2]!, online: false });
      await until(() => expect(rowOf('c00002')).toBeNull());
      $('.detail')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
      await until(() => expect($('.detail')).toBeNull());
      await vi.advanceTimersByTimeAsync(0);
      expect(document.activeElement!.getAttribute('role')).toBe('option');
    });
  });

  it('keeps an unsent reply per visitor when the panel closes, until it is sent', async () => {
    const { api } = start({ plan: 'pro' });
    await openDetail('ada-id');
    const draft = () => $<HTMLTextAreaElement>('#composer-text')!;
    type(draft(), 'Your order ships tomorrow');
    $('.detail')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await until(() => expect($('.detail')).toBeNull());
    // Another visitor's reply box starts empty; Ada's has the draft back.
    await openDetail('anon-id');
    expect(draft().value).toBe('');
    await openDetail('ada-id');
    expect(draft().value).toBe('Your order ships tomorrow');
    $<HTMLButtonElement>('.composer button[type=submit]')!.click();
    await until(() => expect(api.requests()).toContain('POST /api/visitors/ada-id/messages'));
    await until(() => expect(draft().value).toBe(''));
    $('.detail')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await until(() => expect($('.detail')).toBeNull());
    await openDetail('ada-id');
    expect(draft().value).toBe('');
  });

  it('leaves the focus where the agent took it after Home on the first row, when the feed renders', async () => {
    const list = crowd(20);
    const { api } = start({ handle: paged(list) });
    await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
    $<HTMLElement>('[role=option][tabindex="0"]')!.focus();
    key('ArrowDown');
    await until(() => expect(at()).toBe(2));
    key('Home');
    await until(() => expect(at()).toBe(1));
    // Home again, on the row it is on: nothing to render.
    key('Home');
    await until(() => expect(at()).toBe(1));
    const search = $<HTMLInputElement>('input[type=search]')!;
    search.focus();
    api.push('visitor', { ...list[0]!, name: 'Guest zero' });
    await until(() => expect(text('[role=listbox]')).toContain('Guest zero'));
    expect(document.activeElement).toBe(search);
  });

  it('asks for the next page only when the agent reaches the end of the loaded rows', async () => {
    const { api } = start({ handle: paged(crowd(450)) });
    await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
    expect(api.listParams()).toHaveLength(1);
    const firstList = api.calls.find((c) => c.url.pathname == '/api/visitors')!;
    expect(firstList.url.searchParams.get('limit')).toBe('50');
    expect(firstList.url.searchParams.get('offset')).toBe('0');
    $<HTMLElement>('[role=option][tabindex="0"]')!.focus();
    // Four pages down (row 45 of the 50 loaded): near their end.
    for (let i = 1; i <= 4; i++) {
      expect(api.listParams()).toHaveLength(1);
      key('PageDown');
      await until(() =>
        expect(document.activeElement!.getAttribute('aria-posinset')).toBe(String(1 + 11 * i)),
      );
    }
    await until(() => expect(api.listParams()).toHaveLength(2));
    const more = api.calls.filter((c) => c.url.pathname == '/api/visitors')[1]!;
    // From 10 rows back (a row that left above moves the server's rows up).
    expect(more.url.searchParams.get('offset')).toBe('40');
    expect(more.url.searchParams.get('limit')).toBe('110');
    await until(() => expect(text('.loading-more')).toBe('Loading more visitors…'));
  });

  it('asks again for the next page when the list was reloaded while it was on its way, the view still at the end', async () => {
    const list = crowd(150);
    let hold: (() => void) | undefined;
    const { api, store } = start({
      handle: (c) => {
        const answer = paged(list)(c);
        // The first next page is held until the test lets it go.
        if (!answer || c.url.searchParams.get('offset') == '0' || hold) return answer;
        return new Promise((ok) => (hold = () => ok(answer)));
      },
    });
    await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
    await until(() => expect(api.feedOpen()).toBe(true));
    $<HTMLElement>('[role=option][tabindex="0"]')!.focus();
    for (let i = 1; i <= 4; i++) {
      key('PageDown');
      await until(() =>
        expect(document.activeElement!.getAttribute('aria-posinset')).toBe(String(1 + 11 * i)),
      );
    }
    await until(() => expect(hold).toBeTruthy());
    // The server says the feed lost events: the page loads its list again (the same 50 rows).
    api.push('reset', {}, 'r1');
    await until(() => expect(api.listParams()).toHaveLength(3));
    await settle();
    // The page that was out belongs to the list before: dropped. The view is still at the end
    // of the loaded rows, so the next page is asked for again, and comes.
    hold!();
    await until(() => expect(api.listParams()).toHaveLength(4));
    const again = api.calls.filter((c) => c.url.pathname == '/api/visitors')[3]!;
    expect(again.url.searchParams.get('offset')).toBe('40');
    await until(() => expect($('[role=option]')!.getAttribute('aria-setsize')).toBe('150'));
    await until(() => expect(store.visitors.value.length).toBe(150));
    expect(store.visitors.value.map((v) => v.id)).toEqual(list.map((v) => v.id));
  });

  it('End loads only the last page, busy meanwhile, then focuses the last visitor; the rows between load on the way back up', async () => {
    const list = crowd(1234);
    const gates: (() => void)[] = [];
    const { api } = start({
      handle: (c) => {
        const a = paged(list)(c);
        if (!a || c.url.searchParams.get('offset') == '0') return a;
        return new Promise((ok) => gates.push(() => ok(a)));
      },
    });
    await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
    const panel = $('#visitor-panel')!;
    const pages = () => listPages(api.calls);
    $<HTMLElement>('[role=option][tabindex="0"]')!.focus();
    key('End');
    // One page: the list's last 50 rows, not the 1,184 before them. Focus stays while it loads.
    await until(() => expect(pages()).toEqual(['0+50', '1184+60']));
    expect(panel.getAttribute('aria-busy')).toBe('true');
    expect(at()).toBe(1);
    gates.shift()!();
    await until(() => expect(at()).toBe(1234));
    expect(document.activeElement!.getAttribute('aria-setsize')).toBe('1234');
    expect((document.activeElement as HTMLElement).dataset.id).toBe('c01233');
    expect(panel.getAttribute('aria-busy')).toBe('false');
    expect($$('[role=option]').length).toBeLessThan(60);
    // The gap between the two loaded parts says what it holds.
    expect(text('.loading-more')).toBe('Loading more visitors… (1134 not loaded yet)');
    // Up through the last page: no request; each row knows its place in the whole list.
    key('ArrowUp');
    await until(() => expect(at()).toBe(1233));
    for (let i = 1; i <= 4; i++) {
      key('PageUp');
      await until(() => expect(at()).toBe(1233 - 11 * i));
    }
    expect((document.activeElement as HTMLElement).dataset.id).toBe('c01188');
    // Near the first row of the last page: the page above it is asked for before it is needed.
    await until(() => expect(pages()).toHaveLength(3));
    expect(pages()[2]).toBe('1084+110');
    expect(panel.getAttribute('aria-busy')).toBe('false');
    // A key past that row waits for it, busy, then moves.
    key('PageUp');
    await settle();
    expect(panel.getAttribute('aria-busy')).toBe('true');
    expect(at()).toBe(1189);
    gates.shift()!();
    await until(() => expect(at()).toBe(1178));
    expect((document.activeElement as HTMLElement).dataset.id).toBe('c01177');
    expect(panel.getAttribute('aria-busy')).toBe('false');
    expect(text('.loading-more')).toBe('Loading more visitors… (1034 not loaded yet)');
    // Home: the first rows are loaded.
    key('Home');
    await until(() => expect(at()).toBe(1));
    expect((document.activeElement as HTMLElement).dataset.id).toBe('c00000');
    // End again: the last page is loaded.
    key('End');
    await until(() => expect(at()).toBe(1234));
    expect(pages()).toHaveLength(3);
  });

  it('joins the two parts into one list when the rows between them are loaded', async () => {
    const pages = await endOf180();
    // Up through the last page: near its first row, the 80 rows between the two parts come in
    // one request, and the parts are one list.
    for (let i = 0; i < 50; i++) {
      key('ArrowUp');
      await until(() => expect(at()).toBe(179 - i));
    }
    expect(pages()).toEqual(['0+50', '130+60', '50+90']);
    expect((document.activeElement as HTMLElement).dataset.id).toBe('c00129');
    // One list: no gap, nothing more to load, and every place right.
    await settle();
    expect($('.loading-more')).toBeNull();
    key('Home');
    await until(() => expect(at()).toBe(1));
    key('End');
    await until(() => expect(at()).toBe(180));
    expect(pages()).toHaveLength(3);
  });

  it('joins them too when the first part, loaded down, reaches the end part', async () => {
    const pages = await endOf180();
    key('Home');
    await until(() => expect(at()).toBe(1));
    for (let i = 1; i <= 4; i++) {
      key('PageDown');
      await until(() => expect(at()).toBe(1 + 11 * i));
    }
    // The next page after the first 50 covers the rows up to the last page: one list.
    await until(() => expect(pages()).toEqual(['0+50', '130+60', '40+110']));
    await until(() => expect($('.loading-more')).toBeNull());
    for (let i = 5; i <= 16; i++) {
      key('PageDown');
      await until(() => expect(at()).toBe(Math.min(180, 1 + 11 * i)));
    }
    expect((document.activeElement as HTMLElement).dataset.id).toBe('c00176');
    expect(pages()).toHaveLength(3);
  });

  it('puts a feed row into the end part where it sorts, and leaves one that sorts into the gap for its page', async () => {
    const list = crowd(600);
    const { api } = start({ handle: paged(list) });
    await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
    $<HTMLElement>('[role=option][tabindex="0"]')!.focus();
    key('End');
    await until(() => expect(at()).toBe(600));
    // A visitor who arrives sorting last: the new last row, counted.
    const late = visitor({ id: 'late', name: 'Latecomer', visitStartedAt: 1 });
    api.pushBatch([
      { event: 'visitor', data: late },
      { event: 'counts', data: { ...COUNTS, all: 601, active: 601, chatting: 0 } },
    ]);
    await until(() => expect(rowOf('late')).toBeTruthy());
    expect(rowOf('late')!.getAttribute('aria-posinset')).toBe('601');
    expect(rowOf('c00599')!.getAttribute('aria-posinset')).toBe('600');
    expect(rowOf('c00599')!.getAttribute('aria-setsize')).toBe('601');
    // The end part's first row changed in place: it stays (the gap does not grow).
    expect(text('.loading-more')).toBe('Loading more visitors… (500 not loaded yet)');
    api.push('visitor', { ...list[550]!, name: 'First of the end' });
    await settle();
    await vi.advanceTimersByTimeAsync(600);
    expect(text('.loading-more')).toBe('Loading more visitors… (500 not loaded yet)');
    // A row of the end part renamed: shown; one that sorts into the gap: not shown, counted.
    const mid = visitor({ id: 'mid', name: 'Middle', visitStartedAt: 1_000_000 - 300.5 });
    api.pushBatch([
      { event: 'visitor', data: { ...list[598]!, name: 'Renamed' } },
      { event: 'visitor', data: mid },
      { event: 'counts', data: { ...COUNTS, all: 602, active: 602, chatting: 0 } },
    ]);
    await until(() => expect(rowOf('c00598')!.textContent).toContain('Renamed'));
    expect(rowOf('mid')).toBeNull();
    expect(rowOf('late')!.getAttribute('aria-posinset')).toBe('602');
    expect(api.listParams()).toHaveLength(2);
  });

  it('Page Down past the loaded rows waits for the next page instead of stopping short', async () => {
    const gates: (() => void)[] = [];
    start({
      handle: (c) => {
        const a = paged(crowd(180))(c);
        if (!a || c.url.searchParams.get('offset') == '0') return a;
        return new Promise((ok) => gates.push(() => ok(a)));
      },
    });
    await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
    $<HTMLElement>('[role=option][tabindex="0"]')!.focus();
    // A page is 11 rows (720 px view, 60 px rows, less one): 1, 12, 23, 34, 45.
    for (let i = 1; i <= 4; i++) {
      key('PageDown');
      await until(() => expect(at()).toBe(1 + 11 * i));
    }
    // Near the end of the 50 loaded rows: the next page is asked for, and held.
    await until(() => expect(gates).toHaveLength(1));
    key('PageDown');
    await settle();
    expect(at()).toBe(45);
    gates.shift()!();
    await until(() => expect(at()).toBe(56));
    // Another key while a jump waits takes its place: End, then Home, lands on Home.
    key('End');
    await until(() => expect(gates).toHaveLength(1));
    key('Home');
    await until(() => expect(at()).toBe(1));
    gates.shift()!();
    await settle();
    expect(at()).toBe(1);
  });

  it('applies the events after the list answer and skips those already in it', async () => {
    const list = [ADA, ANON, IDLE];
    let answerAt = 'e1';
    const { api } = start({ handle: (c) => listAt(answerAt, list)(c) });
    await until(() => expect(api.feedOpen()).toBe(true));
    answerAt = 'e3';
    tab('Active').click();
    await until(() => expect(api.listParams()).toHaveLength(2));
    await until(() => expect(tab('Active').getAttribute('aria-selected')).toBe('true'));
    await vi.advanceTimersByTimeAsync(50);
    // e2 and e3 were on their way while the answer (current with e3) came: skipped.
    api.push('visitor', { ...ANON, name: 'Stale' }, 'e2');
    api.push('visitor', { ...ANON, name: 'In the answer' }, 'e3');
    api.push('visitor', { ...ADA, name: 'Ada King' }, 'e4');
    await until(() => expect(rowOf('ada-id')!.textContent).toContain('Ada King'));
    expect(rowOf('anon-id')!.textContent).not.toMatch(/Stale|In the answer/);
    api.push('visitor', { ...ANON, name: 'Newer' }, 'e5');
    await until(() => expect(rowOf('anon-id')!.textContent).toContain('Newer'));
  });

  it('draws the top rows of a list shown after an empty tab, and starts a new filter at the top', async () => {
    const list = crowd(180);
    const all = paged(list);
    start({
      handle: (c) =>
        c.url.searchParams.get('filter') == 'blocked'
          ? { body: { visitors: [], counts: COUNTS, total: 0 } }
          : all(c),
    });
    await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
    const drawn = () => $$('[role=option]').map((o) => Number(o.getAttribute('aria-posinset')));
    // The agent scrolls down the All tab (rows are 60 px until measured).
    const view = $('.viewport')!;
    view.scrollTop = 40 * 60;
    view.dispatchEvent(new Event('scroll'));
    await until(() => expect(drawn()).toContain(45));
    // Another filter: its list from the top.
    tab('Active').click();
    await until(() => expect(tab('Active').getAttribute('aria-selected')).toBe('true'));
    await until(() => expect($('[role=tabpanel]')!.getAttribute('aria-busy')).toBe('false'));
    await until(() => expect(drawn().slice(0, 3)).toEqual([1, 2, 3]));
    expect($('.viewport')!.scrollTop).toBe(0);
    // Scrolled down again, then an empty tab, then back: the rows at the top are drawn, not
    // only the first one with the window of the old scroll position below it.
    $('.viewport')!.scrollTop = 40 * 60;
    $('.viewport')!.dispatchEvent(new Event('scroll'));
    await until(() => expect(drawn()).toContain(45));
    tab('Blocked').click();
    await until(() => expect(text('.empty')).toBe('No blocked visitors.'));
    tab('All').click();
    await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
    await settle();
    expect($('.viewport')!.scrollTop).toBe(0);
    expect(drawn().slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('loads the next page without losing the row after the loaded ones when a row above has just left', async () => {
    const list = crowd(180);
    const { api, store } = start({ handle: paged(list) });
    await until(() => expect(store.visitors.value).toHaveLength(50));
    await until(() => expect(api.feedOpen()).toBe(true));
    // c00010 leaves: the server's list changes at once, its feed event comes a moment later.
    const [gone] = list.splice(10, 1);
    await store.loadMore();
    api.push('visitor', { ...gone!, online: false });
    await until(() => expect(store.visitors.value.some((v) => v.id == 'c00010')).toBe(false));
    const ids = store.visitors.value.map((v) => v.id);
    expect(ids).toContain('c00050');
    expect(ids).toEqual(list.slice(0, ids.length).map((v) => v.id));
  });

  it('keeps the rows in view where they are when visitors come in above them, and offers a button up to them', async () => {
    const list = crowd(180);
    const { api } = start({ handle: paged(list) });
    await until(() => expect($$('[role=option]').length).toBeGreaterThan(0));
    await until(() => expect(api.feedOpen()).toBe(true));
    // The agent reads further down, scrolled with the wheel (rows are 60 px until measured).
    const view = $('.viewport')!;
    view.scrollTop = 30 * 60;
    view.dispatchEvent(new Event('scroll'));
    await until(() => expect(rowOf('c00030')).toBeTruthy());
    // The polite live region (a status) is there before anything is in it.
    expect($('.viewport [role=status]')!.textContent).toBe('');
    const newer = (id: string, t: number) => visitor({ id, name: id, visitStartedAt: t });
    api.pushBatch([
      // Two arrivals and a new chat from below the view: above it now.
      { event: 'visitor', data: newer('new-1', 2_000_001) },
      { event: 'visitor', data: newer('new-2', 2_000_002) },
      { event: 'visitor', data: { ...list[45]!, visitStartedAt: 2_000_003 } },
      // One above the view already moves up, one above it leaves: not new above.
      { event: 'visitor', data: { ...list[10]!, visitStartedAt: 2_000_004 } },
      { event: 'visitor', data: { ...list[5]!, online: false } },
    ]);
    const button = () => $$<HTMLButtonElement>('.viewport button');
    await until(() => expect(button()).toHaveLength(1));
    // Two more rows above: the view moved with them, Guest 30 is where it was.
    expect(rowOf('c00030')!.style.top).toBe(32 * 60 + 'px');
    expect(view.scrollTop).toBe(32 * 60);
    expect(button()[0]!.textContent).toBe('↑ 3 new visitors above');
    expect(button()[0]!.closest('[role=status]')).toBeTruthy();
    expect(button()[0]!.type).toBe('button');
    // The list is still one listbox of options, one tab stop.
    expect($$('[role=option]').filter((o) => o.tabIndex == 0)).toHaveLength(1);
    // The button: to the top, the focus on the first visitor, and the button goes.
    button()[0]!.focus();
    button()[0]!.click();
    await until(() => expect(button()).toHaveLength(0));
    expect(view.scrollTop).toBe(0);
    await until(() => expect(document.activeElement!.getAttribute('aria-posinset')).toBe('1'));
    expect((document.activeElement as HTMLElement).dataset.id).toBe('c00010');
    // At the top, a new visitor is in view: nothing to point up to.
    (document.activeElement as HTMLElement).blur();
    api.push('visitor', newer('new-3', 2_000_005));
    await until(() => expect(rowOf('new-3')).toBeTruthy());
    await settle();
    expect(view.scrollTop).toBe(0);
    expect(button()).toHaveLength(0);
  });

  it('says what an empty tab means', async () => {
    const { api } = start({
      handle: (c) =>
        c.url.searchParams.get('filter') == 'blocked'
          ? { body: { visitors: [], counts: COUNTS, total: 0 } }
          : undefined,
    });
    await until(() => expect(api.listParams()).toHaveLength(1));
    tab('Blocked').click();
    await until(() => expect(api.listParams()).toHaveLength(2));
    await until(() => expect(text('.empty')).toBe('No blocked visitors.'));
  });
});

describe('the Automations screen from the Visitors page', () => {
  const PRICING = {
    id: 'pricing',
    kind: 'auto-message',
    enabled: true,
    name: '<img src=x onerror=alert(1)>',
    text: 'Any questions?',
    frequency: 'visit',
    conditions: [],
    stats: { shown: 7, replied: 2, conversations: 1 },
  };

  it('takes the place of the list, shows figures and names as text, and switches through the API', async () => {
    let refuse = false;
    const { api } = start({
      automations: () => import('../../demo/agent/automations/main'),
      handle: (c) => {
        if (c.url.pathname == '/api/automations') return { body: { automations: [PRICING] } };
        if (c.method == 'PATCH')
          return refuse
            ? { status: 503, body: { error: 'unavailable', message: 'The database is busy.' } }
            : { body: { automation: { ...PRICING, enabled: false } } };
        return undefined;
      },
    });
    await until(() => expect($$('.top button').length).toBe(1));
    $$('.top button')[0]!.click();
    await until(() => expect($('#automations .automation-list')).toBeTruthy());
    expect($('#app')!.hidden).toBe(true);
    expect(text('#automations tbody th')).toBe(PRICING.name);
    expect($('#automations img')).toBeNull();
    expect(text('#automations .shown')).toBe('7');
    expect(text('#automations .replied')).toBe('2');
    expect(text('#automations .conversations')).toBe('1');

    const toggle = $('#automations [role=switch]')!;
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    toggle.click();
    await until(() => expect(toggle.getAttribute('aria-checked')).toBe('false'));
    const patch = api.calls.find((c) => c.method == 'PATCH')!;
    expect(patch.url.pathname).toBe('/api/automations/pricing');
    expect(patch.body).toEqual({ enabled: false });

    refuse = true;
    toggle.click();
    await until(() => expect(text('#automations [role=alert]')).toBe('The database is busy.'));
    expect(toggle.getAttribute('aria-checked')).toBe('false');

    $$('#automations button')
      .find((b) => b.textContent == 'Back to Visitors')!
      .click();
    expect($('#automations')).toBeNull();
    expect($('#app')!.hidden).toBe(false);
  });

  it('says so when the script of the screen cannot load, and the list stays', async () => {
    start({ automations: () => Promise.reject(new Error('404 agent.automations.js')) });
    await until(() => expect(rowOf(ADA.id)).toBeTruthy());
    $$('.top button')[0]!.click();
    await until(() =>
      expect(text('[role=alert]')).toContain('The Automations screen did not load'),
    );
    expect($('#app')!.hidden).toBe(false);
  });
});
