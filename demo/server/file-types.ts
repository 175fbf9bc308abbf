/**
 * What an upload is, told from its bytes as they stream in, never from its name or the
 * Content-Type the sender claims (DESIGN.md §9): images and PDF by their magic numbers, text by
 * being valid UTF-8 without NUL and without markup. Archives (a zip bomb's shape) are refused by
 * their magic numbers even when text is allowed. The stored name ends in an extension of the
 * type found ({@link nameFor}), so a saved file opens as what it is.
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

/**
 * The extensions a stored name may end in for each kind, the first appended when it ends in none
 * of them. Text keeps only extensions that every system opens as text, never as a page or a
 * program (`.html`, `.svg`, `.js`, `.bat`…).
 */
export const EXTENSIONS: Record<UploadType, readonly string[]> = {
  png: ['png'],
  jpeg: ['jpg', 'jpeg'],
  gif: ['gif'],
  webp: ['webp'],
  pdf: ['pdf'],
  txt: ['txt', 'log', 'csv', 'tsv', 'md'],
};

/** Longest stored name (as `cleanName` in files.ts). */
const MAX_NAME = 255;

/**
 * `name` ending in an extension of `kind`: kept when it has one (in any case), else with the
 * first appended (`invoice.html` as text is `invoice.html.txt`), shortened to fit 255 characters.
 */
export function nameFor(name: string, kind: UploadType): string {
  const ext = /\.([^.]*)$/.exec(name)?.[1]?.toLowerCase();
  if (ext !== undefined && EXTENSIONS[kind].includes(ext)) return name;
  const add = '.' + EXTENSIONS[kind][0];
  return name.slice(0, MAX_NAME - add.length) + add;
}

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

/**
 * Markup anywhere in a text file: a comment, doctype or processing instruction (`<!`, `<?`), a
 * closing tag, or an opening tag a browser acts on (scripts, frames, embeds, styles, links,
 * images, media, forms). Searched in the whole file: a page padded with text before its first
 * tag still runs when saved and opened. Other `<`s are text: `a < b`, `<=`, `<3`, and the
 * addresses of a mail header or a log (`Ada <ada@example.com>`), which a rule refusing any `<`
 * and a letter would refuse.
 */
const MARKUP =
  /<[!?]|<\/[a-z]|<(?:html|head|body|script|svg|math|i?frame|frameset|object|embed|style|meta|link|base|img|image|video|audio|source|track|a|area|map|form|input|button|textarea|select|details|dialog|template|xml)\b/i;

/** Any tag at the start of a file (after white space) makes it markup, whichever tag it is. */
const OPENS_WITH_TAG = /^<[a-z]/i;

/** The verdict: the kind and its media type, or why the bytes are refused. */
export type Verdict = { kind: UploadType; type: string } | { refused: string };

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
  // The end of what was decoded, so that a tag cut by a chunk's end meets the rest of it.
  let before = '';
  // The file's first characters, until two that are not white space came.
  let opening: string | undefined = '';

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
    const seen = before + s;
    // A word the chunk's end cuts (`<a` of `<ada@…`) is judged whole, with the next chunk.
    let markup = MARKUP.test(last ? seen : seen.replace(/[a-z]+$/i, ''));
    if (opening !== undefined) {
      opening = (opening + s).trimStart();
      if (opening.length >= 2 || last) {
        markup ||= OPENS_WITH_TAG.test(opening);
        opening = undefined;
      }
    }
    if (markup)
      refused = 'the file holds markup (HTML, SVG or XML), which is never accepted as text';
    before = seen.slice(-16);
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
      return { kind, type: MEDIA_TYPES[kind] };
    },
  };
}
