/**
 * The first file of a `multipart/form-data` body, streamed: its name and type once its headers
 * arrived, then its bytes as they come (holding back only what could be the start of the next
 * boundary). Other parts are skipped. For uploads from a plain HTML form; the widget sends raw
 * bodies.
 */

/** The file part's headers. */
export interface PartInfo {
  filename: string;
  type: string;
}

/** Part headers larger than this are refused. */
const MAX_HEADERS = 16 * 1024;

/** The boundary of a multipart Content-Type, or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  const m = /^multipart\/form-data\s*;.*?boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(
    contentType,
  );
  return m ? (m[1] ?? m[2]) : undefined;
}

/** A header parameter (`filename="a.png"`, or RFC 5987 `filename*=UTF-8''a%20b.png`). */
function param(header: string, name: string): string | undefined {
  const ext = new RegExp(`;\\s*${name}\\*=(?:UTF-8|utf-8)''([^;\\s]+)`).exec(header);
  if (ext) {
    try {
      return decodeURIComponent(ext[1]!);
    } catch {
      return undefined;
    }
  }
  const m = new RegExp(`;\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(header);
  if (m) return m[1]!.replace(/\\(.)/g, '$1');
  return new RegExp(`;\\s*${name}=([^;\\s]+)`).exec(header)?.[1];
}

/**
 * Yields the bytes of the first file part of `source`; `onFile` hears its headers first.
 * Throws `Error('bad multipart body: …')` when the body is not one.
 */
export async function* multipartFile(
  source: AsyncIterable<Buffer>,
  boundary: string,
  onFile: (info: PartInfo) => void,
): AsyncGenerator<Buffer> {
  const delim = Buffer.from('\r\n--' + boundary);
  // The first boundary has no CRLF before it: one is added, so every boundary looks alike.
  let buf: Buffer = Buffer.from('\r\n');
  let state: 'seek' | 'headers' | 'file' = 'seek';
  for await (const chunk of source) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (state == 'seek') {
        const i = buf.indexOf(delim);
        if (i < 0) {
          buf = buf.subarray(Math.max(0, buf.length - delim.length));
          break;
        }
        buf = buf.subarray(i + delim.length);
        state = 'headers';
      }
      if (state == 'headers') {
        if (buf.length >= 2 && buf[0] == 0x2d && buf[1] == 0x2d)
          throw new Error('bad multipart body: no file part');
        const j = buf.indexOf('\r\n\r\n');
        if (j < 0) {
          if (buf.length > MAX_HEADERS) throw new Error('bad multipart body: headers too large');
          break;
        }
        const headers = buf.subarray(0, j).toString('utf8');
        buf = buf.subarray(j + 4);
        const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
        const filename = param(disposition, 'filename');
        if (filename === undefined) {
          state = 'seek';
          continue;
        }
        const type = /^content-type:\s*(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
        onFile({ filename, type });
        state = 'file';
      }
      if (state == 'file') {
        const k = buf.indexOf(delim);
        if (k >= 0) {
          if (k) yield buf.subarray(0, k);
          return;
        }
        const safe = buf.length - delim.length;
        if (safe > 0) {
          yield buf.subarray(0, safe);
          buf = buf.subarray(safe);
        }
        break;
      }
    }
  }
  throw new Error(
    state == 'file'
      ? 'bad multipart body: the file part does not end'
      : 'bad multipart body: no file part',
  );
}
