/**
 * What an upload is, told from its bytes as they stream in, never from its name or the
 * Content-Type the sender claims (DESIGN.md §9): images, PDF and plain text by their magic
 * numbers, text by being valid UTF-8 without NUL that does not look like HTML or SVG. Archives
 * (a zip bomb's shape) are refused by name even when text is allowed.
 */
import type { UploadType } from './config';

/** The media type each allowed kind is stored and served as. */
export const MEDIA_TYPES: Record<UploadType, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain; charset=utf-8',
};

/** Types a browser may show inline (raster images); everything else is a download. */
export const INLINE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
]);

/** Bytes the magic numbers need (RIFF....WEBP). */
const HEAD = 12;

const starts = (b: Buffer, sig: number[], at = 0) => sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Kinds known by their first bytes; `null` kinds are archives, never accepted. */
const MAGIC: [UploadType | null, string, (b: Buffer) => boolean][] = [
  ['png', 'PNG', (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  ['jpeg', 'JPEG', (b) => starts(b, [0xff, 0xd8, 0xff])],
  ['gif', 'GIF', (b) => starts(b, ascii('GIF87a')) || starts(b, ascii('GIF89a'))],
  ['webp', 'WebP', (b) => starts(b, ascii('RIFF')) && starts(b, ascii('WEBP'), 8)],
  ['pdf', 'PDF', (b) => starts(b, ascii('%PDF-'))],
  [
    null,
    'a zip archive',
    (b) => starts(b, [0x50, 0x4b, 0x03, 0x04]) || starts(b, [0x50, 0x4b, 0x05, 0x06]),
  ],
  [null, 'a gzip archive', (b) => starts(b, [0x1f, 0x8b])],
  [null, 'a bzip2 archive', (b) => starts(b, ascii('BZh'))],
  [null, 'a 7z archive', (b) => starts(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])],
  [null, 'an xz archive', (b) => starts(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  [null, 'a rar archive', (b) => starts(b, ascii('Rar!'))],
];

/** Markup a browser would render: a text file that starts with a tag, or holds one of these. */
const MARKUP =
  /^\s*<[A-Za-z!?/]|<\s*(html|head|body|script|svg|iframe|object|embed|style|meta|link|xml|!doctype|\?xml)\b/i;

/** How much of a text file is searched for markup. */
const MARKUP_SCAN = 4096;

/** The verdict: the media type, or why the bytes are refused. */
export type Verdict = { type: string } | { refused: string };

/** A type check fed chunk by chunk; `push` returns a refusal as soon as one is certain. */
export interface TypeCheck {
  push(chunk: Buffer): string | undefined;
  end(): Verdict;
}

/** A check that accepts only `allowed`. */
export function checkType(allowed: readonly UploadType[]): TypeCheck {
  let head = Buffer.alloc(0);
  let kind: UploadType | undefined;
  let refused: string | undefined;
  let decoder: TextDecoder | undefined;
  let scanned = '';

  const names = allowed.join(', ');
  const classify = (b: Buffer) => {
    const m = MAGIC.find(([, , test]) => test(b));
    if (m) {
      if (m[0] && allowed.includes(m[0])) kind = m[0];
      else refused = `the file is ${m[1]}; allowed: ${names}`;
    } else if (allowed.includes('txt')) {
      kind = 'txt';
      decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    } else refused = `the file is none of the allowed types (${names})`;
  };
  const text = (chunk: Buffer, last: boolean) => {
    if (chunk.includes(0)) return (refused = 'the file is not text (it holds NUL bytes)');
    let s: string;
    try {
      s = decoder!.decode(chunk, { stream: !last });
    } catch {
      return (refused = 'the file is not UTF-8 text');
    }
    if (scanned.length < MARKUP_SCAN) {
      scanned += s.slice(0, MARKUP_SCAN - scanned.length);
      if (MARKUP.test(scanned))
        refused = 'the file looks like HTML or SVG, which is never accepted';
    }
    return refused;
  };

  return {
    push(chunk) {
      if (refused) return refused;
      if (kind === undefined) {
        head = Buffer.concat([head, chunk]);
        if (head.length < HEAD) return undefined;
        classify(head);
        if (kind == 'txt') text(head, false);
      } else if (kind == 'txt') text(chunk, false);
      return refused;
    },
    end() {
      if (!refused && kind === undefined && head.length) {
        classify(head);
        if (kind == 'txt') text(head, false);
      }
      if (!refused && kind == 'txt') text(Buffer.alloc(0), true);
      if (refused) return { refused };
      if (kind === undefined) return { refused: 'the file is empty' };
      return { type: MEDIA_TYPES[kind] };
    },
  };
}
