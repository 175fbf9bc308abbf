// @vitest-environment node
/**
 * The type check of uploads (file-types.ts): text is refused for markup anywhere in it, however
 * the bytes are cut into chunks, and a stored name ends in an extension of the type found.
 */
import { describe, expect, it } from 'vitest';
import { checkType, nameFor } from '../../demo/server/file-types';

/** The verdict on `text` fed in chunks of `size` bytes. */
function verdict(text: string, size = 1 << 16) {
  const check = checkType(['png', 'pdf', 'txt']);
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) {
    const why = check.push(bytes.subarray(at, at + size));
    if (why) return { refused: why };
  }
  return check.end();
}

describe('checkType', () => {
  it('refuses HTML, SVG and XML anywhere in a text file, past its first 4 KiB too', () => {
    const pad = 'Invoice details below.' + ' '.repeat(4096);
    for (const markup of [
      '<html><body><script>alert(1)</script></body></html>',
      '<img src=x onerror=alert(1)>',
      '<a href="javascript:alert(1)">pay</a>',
      '<form action=https://evil.test><input name=card></form>',
      '<svg onload=alert(1)>',
      '<?xml version="1.0"?><x/>',
      '<!-- a comment -->',
      '</p>',
      '<iframe src=https://evil.test>',
      '<base href=https://evil.test/>',
    ]) {
      expect(verdict(markup)).toHaveProperty('refused');
      expect(verdict(pad + markup)).toMatchObject({ refused: expect.stringMatching(/markup/) });
    }
  });

  it('refuses a file that opens with any tag', () => {
    expect(verdict('  \n<p>Hello')).toHaveProperty('refused');
    expect(verdict('<b>bold', 1)).toHaveProperty('refused');
    expect(verdict('<3 you')).toEqual({ kind: 'txt', type: 'text/plain; charset=utf-8' });
  });

  it('finds a tag cut in two by chunks', () => {
    const text = 'Order 12: see below\n<img src=x onerror=alert(1)>';
    const cut = Buffer.from(text).indexOf('<') + 1;
    expect(verdict(text, cut)).toHaveProperty('refused');
    expect(verdict(text, 1)).toHaveProperty('refused');
  });

  it('accepts ordinary text, CSV and logs with a < that starts no tag', () => {
    for (const text of [
      'Order 1234 – merci ✓\n',
      'if a < b and b <= c then a <3 c << d\n',
      'id,price\n1,<5\n2,< 10\n',
      '2026-12-07T08:00:00Z WARN latency < 200 ms (p99 <250ms)\n',
      'From: Ada Lovelace <ada@example.com>\nTo: <bob@example.org>\n',
      'List<String> names = new ArrayList<>();\n',
    ])
      expect(verdict(text, 3)).toEqual({ kind: 'txt', type: 'text/plain; charset=utf-8' });
  });
});

describe('nameFor', () => {
  it('keeps an extension of the type found and appends one otherwise', () => {
    expect(nameFor('invoice.html', 'txt')).toBe('invoice.html.txt');
    expect(nameFor('notes.txt', 'txt')).toBe('notes.txt');
    expect(nameFor('server.LOG', 'txt')).toBe('server.LOG');
    expect(nameFor('orders.csv', 'txt')).toBe('orders.csv');
    expect(nameFor('logo.svg', 'txt')).toBe('logo.svg.txt');
    expect(nameFor('invoice.pdf', 'png')).toBe('invoice.pdf.png');
    expect(nameFor('photo.JPG', 'jpeg')).toBe('photo.JPG');
    expect(nameFor('file', 'pdf')).toBe('file.pdf');
  });

  it('keeps the name at most 255 characters with the extension it appends', () => {
    const long = nameFor('a'.repeat(255), 'txt');
    expect(long).toHaveLength(255);
    expect(long.endsWith('a.txt')).toBe(true);
  });
});
