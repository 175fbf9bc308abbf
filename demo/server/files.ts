/**
 * Uploaded files (DESIGN.md §9), behind one interface whatever keeps the bytes (a directory, or
 * Postgres): an upload streamed to storage under a size cap and a type check of its bytes, the
 * attachments a message may carry, and the retention sweep.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Attachment } from '../../src/protocol';
import type { UploadType } from './config';
import { withoutBidi } from './bidi-controls';
import { checkType, nameFor } from './file-types';
import type { Logger } from './log';
import { boundaryOf, multipartFile } from './multipart';
import { attachmentOf, type Blobs, type Store, type StoredFile } from './store';

/** A new file id: 144 random bits, base64url (unguessable: the URL is the only name). */
export const newFileId = (): string => randomBytes(18).toString('base64url');

/** Bytes a multipart body may carry besides its file (headers, other fields). */
const MULTIPART_OVERHEAD = 64 * 1024;

/** An upload cut off or a row deleted leaves bytes; they go after this long. */
const ORPHAN_MS = 3_600_000;

/**
 * An upload no message carries goes after this long (rows and bytes): a visitor's upload is sent
 * at once, so one still unsent is left over, or someone filling the disk.
 */
const UNSENT_MS = 3_600_000;

/** Why an upload was refused: the HTTP status and the reason. */
export interface Refusal {
  status: 400 | 413 | 415;
  error: string;
  message: string;
}

/** An error that stops an upload's stream, carrying the answer. */
const refused = (refusal: Refusal) => Object.assign(new Error(refusal.message), { refusal });
const refusalOf = (e: unknown): Refusal | undefined =>
  e instanceof Error ? (e as Error & { refusal?: Refusal }).refusal : undefined;

/** C0 controls and DEL, which no header may carry. */
// oxlint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f]/g;

/** A file name as the uploader gave it, made safe to show and to put in a header. */
export function cleanName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  const name = withoutBidi(base).replace(CONTROLS, '').trim();
  return name.slice(0, 255) || 'file';
}

/** What {@link createFiles} needs. */
export interface FilesOptions {
  store: Store;
  blobs: Blobs;
  maxBytes: number;
  types: readonly UploadType[];
  /** Files older than this many days are deleted (0: kept). */
  retentionDays: number;
  log: Logger;
  now?: () => number;
}

/** The files service; see {@link createFiles}. */
export type Files = ReturnType<typeof createFiles>;

/** Creates the files service. */
export function createFiles(o: FilesOptions) {
  const { store, blobs, log } = o;
  const now = o.now ?? Date.now;

  /**
   * Reads an upload (raw body with `X-Filename`, or multipart) into storage for the
   * conversation of `visitorId`. Resolves the stored file, or why it was refused (nothing is
   * kept then); rejects when the storage fails.
   */
  async function receive(
    req: IncomingMessage,
    owner: { visitorId: string; author: StoredFile['author'] },
  ): Promise<StoredFile | Refusal> {
    const max = o.maxBytes;
    const tooLarge: Refusal = {
      status: 413,
      error: 'too_large',
      message: `the file is larger than ${max} bytes`,
    };
    const contentType = String(req.headers['content-type'] || '');
    const boundary = boundaryOf(contentType);
    const declared = Number(req.headers['content-length']);
    if (declared > max + (boundary ? MULTIPART_OVERHEAD : 0)) return tooLarge;
    let name = 'file';
    if (!boundary) {
      const raw = req.headers['x-filename'];
      if (typeof raw == 'string' && raw)
        try {
          name = cleanName(decodeURIComponent(raw));
        } catch {
          return {
            status: 400,
            error: 'bad_request',
            message: 'X-Filename must be percent-encoded UTF-8',
          };
        }
    }
    const check = checkType(o.types);
    let size = 0;
    let body = 0;
    // Not destroyed when the check stops reading: the refusal is still answered on it.
    const raw = (async function* () {
      for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        body += chunk.length;
        if (body > max + MULTIPART_OVERHEAD) throw refused(tooLarge);
        yield chunk;
      }
    })();
    const bytes = boundary
      ? multipartFile(raw, boundary, (part) => (name = cleanName(part.filename)))
      : raw;
    const checked = (async function* () {
      for await (const chunk of bytes) {
        size += chunk.length;
        if (size > max) throw refused(tooLarge);
        const why = check.push(chunk);
        if (why) throw refused({ status: 415, error: 'unsupported_type', message: why });
        yield chunk;
      }
    })();
    const id = newFileId();
    try {
      await blobs.write(id, checked);
    } catch (e) {
      const r = refusalOf(e);
      if (r) return r;
      if (e instanceof Error && e.message.startsWith('bad multipart body'))
        return { status: 400, error: 'bad_request', message: e.message };
      throw e;
    }
    const verdict = size ? check.end() : undefined;
    if (!verdict || 'refused' in verdict) {
      await blobs.delete([id]);
      return verdict
        ? { status: 415, error: 'unsupported_type', message: verdict.refused }
        : { status: 400, error: 'empty', message: 'the file is empty' };
    }
    const file: StoredFile = {
      id,
      ...owner,
      name: nameFor(name, verdict.kind),
      type: verdict.type,
      size,
      at: now(),
    };
    try {
      await store.addFile(file);
    } catch (e) {
      await blobs.delete([id]).catch(() => {});
      throw e;
    }
    return file;
  }

  return {
    receive,
    /** The file of `id` with its bytes; undefined when there is none. */
    async open(id: string) {
      const [file] = await store.files([id]);
      if (!file) return undefined;
      const body = await blobs.read(id);
      if (!body) {
        log.warn(`file ${id}: its bytes are missing`);
        return undefined;
      }
      return { file, body };
    },
    /**
     * The attachments of a visitor message: every id must be a file this visitor uploaded.
     * Resolves them in the order given, or a reason naming the first that is not.
     */
    async forMessage(visitorId: string, ids: string[]): Promise<Attachment[] | string> {
      const found = new Map((await store.files(ids)).map((f) => [f.id, f]));
      const out: Attachment[] = [];
      for (const id of ids) {
        const f = found.get(id);
        if (!f || f.visitorId != visitorId || f.author != 'visitor')
          return `no file ${id} was uploaded by this visitor`;
        out.push(attachmentOf(f));
      }
      return out;
    },
    /**
     * Deletes files past the retention, uploads no message carries after an hour, and bytes no
     * file names; resolves how many went.
     */
    async sweep(): Promise<number> {
      let n = 0;
      const drain = async (list: (limit: number) => Promise<string[]>) => {
        for (;;) {
          const ids = await list(500);
          if (!ids.length) break;
          await store.deleteFiles(ids);
          await blobs.delete(ids);
          n += ids.length;
        }
      };
      if (o.retentionDays > 0) {
        const before = now() - o.retentionDays * 86_400_000;
        await drain((limit) => store.filesBefore(before, limit));
      }
      const unsent = now() - UNSENT_MS;
      await drain((limit) => store.unsentFilesBefore(unsent, limit));
      n += await blobs.sweep(now() - ORPHAN_MS, async (ids) => {
        const rows = await store.files(ids);
        return new Set(rows.map((f) => f.id));
      });
      return n;
    },
  };
}
