import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createShell } from '../../src/ui/shell';
import { sourceChunks } from '../helpers/lang-chunks';
import { flush, setup } from '../helpers/widget';

/**
 * Every `Intl.DateTimeFormat` made, by its options; the page's first starts ICU up (50–270 ms in
 * Chromium), so when they are made matters as much as how many.
 */
const real = Intl.DateTimeFormat;
let made: Array<Intl.DateTimeFormatOptions | undefined> = [];
/** Idle callbacks queued by the code under test, run when the test says the page is idle. */
let idle: Array<() => void> = [];
const runIdle = () => idle.splice(0).forEach((fn) => fn());
const timesMade = () => made.filter((o) => o?.hour && o.minute).length;
const stops: Array<() => void> = [];

beforeEach(() => {
  made = [];
  idle = [];
  Intl.DateTimeFormat = function (...args: ConstructorParameters<typeof real>) {
    made.push(args[1]);
    return new real(...args);
  } as unknown as typeof Intl.DateTimeFormat;
  vi.stubGlobal('requestIdleCallback', (fn: () => void) => idle.push(fn));
  // Each test gets its own ui modules, so their format cache starts empty.
  vi.resetModules();
});

afterEach(() => {
  Intl.DateTimeFormat = real;
  vi.unstubAllGlobals();
  stops.splice(0).forEach((stop) => stop());
  for (const el of Array.from(document.querySelectorAll('[data-visitor-chat]'))) el.remove();
});

describe('date formats', () => {
  it('are made once for each language and options, then handed out as the same object', async () => {
    const { dateFormat, timeFormat, dayLabel } = await import('../../src/ui/time');
    const en = timeFormat('en');
    expect(timeFormat('en')).toBe(en);
    expect(dateFormat('en', { hour: 'numeric', minute: '2-digit' })).toBe(en);
    expect(timeFormat('de')).not.toBe(en);
    expect(timeFormat('de').format(Date.UTC(2026, 0, 1, 14, 5))).toMatch(/^\d\d:05$/);
    const t = { today: 'Today', yesterday: 'Yesterday' } as Parameters<typeof dayLabel>[2];
    const now = Date.UTC(2026, 5, 15, 12);
    for (const day of [1, 2, 3, 1, 2, 3]) dayLabel(Date.UTC(2026, 5, day, 12), now, t, 'en');
    dayLabel(Date.UTC(2025, 5, 1, 12), now, t, 'en');
    expect(made).toHaveLength(4);
    // A tag Intl refuses falls back to English, once as well.
    expect(timeFormat('not a tag!').format(0)).toBe(en.format(0));
    expect(timeFormat('not a tag!')).toBe(timeFormat('not a tag!'));
  });

  it('day keys: equal within one local day, different across midnight, in any order asked', async () => {
    const { dayKey } = await import('../../src/ui/time');
    const at = (d: number, h: number, m = 0) => new Date(2026, 5, d, h, m).getTime();
    expect(dayKey(at(1, 12))).toBe(dayKey(at(1, 0)));
    expect(dayKey(at(1, 23, 59))).toBe(new Date(2026, 5, 1).toDateString());
    expect(dayKey(at(2, 0))).toBe(new Date(2026, 5, 2).toDateString());
    expect(dayKey(at(1, 23, 59))).toBe(new Date(2026, 5, 1).toDateString());
    expect(dayKey(at(1, 0) - 1)).toBe(new Date(2026, 4, 31).toDateString());
    expect(dayKey(NaN)).toBe('Invalid Date');
    expect(dayKey(at(3, 9))).toBe(new Date(2026, 5, 3).toDateString());
  });

  it('none on a page view where nobody touches the launcher; hovering it warms the times on idle time, which the opened window reuses', async () => {
    const s = setup();
    stops.push(() => s.widget.destroy());
    await s.widget.ready();
    await flush();
    for (const text of ['Hello', 'Can I help?']) s.server.say(text, { name: 'Eva' });
    let ui: Promise<typeof import('../../src/ui/index')> | undefined;
    const shell = createShell(
      s.widget,
      document,
      () => void (ui ||= import('../../src/ui/index')),
      sourceChunks(),
    );
    await flush();
    runIdle();
    // The launcher and its unread badge are drawn, and no ICU was started for them.
    const root = document.querySelector('[data-visitor-chat]')!.shadowRoot!;
    expect(root.querySelector('.bd')!.textContent).toBe('2');
    expect(made).toEqual([]);

    root.querySelector('.ln')!.dispatchEvent(new Event('pointerenter'));
    const m = await ui!;
    // Loaded, not yet idle: nothing made on the path of a click that would come now.
    expect(made).toEqual([]);
    runIdle();
    expect(timesMade()).toBe(1);

    stops.push(m.mount(s.widget, shell, undefined, sourceChunks()));
    await s.widget.open();
    await flush();
    runIdle();
    const times = Array.from(root.querySelectorAll('.m time'));
    expect(times).toHaveLength(2);
    expect(times[0]!.textContent).toBe(
      new real('en', { hour: 'numeric', minute: '2-digit' }).format(s.widget.state.messages[0]!.at),
    );
    expect(timesMade()).toBe(1);
  });
});
