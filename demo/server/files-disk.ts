/**
 * The bytes of uploaded files in a directory (UPLOAD_DIR, without DATABASE_URL): one file per
 * id, created lazily. An upload streams into a temporary name and is renamed once complete, so
 * a half-written file is never served.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Blobs } from './store';

/** Names of files being written: `.part-<id>`. */
const PART = '.part-';
/** What an id may be on disk (ids are base64url; anything else is never a path). */
const ID = /^[\w-]{1,100}$/;

/** Deletes a file that may already be gone. */
const gone = (p: string) =>
  unlink(p).catch((e: NodeJS.ErrnoException) => {
    if (e.code != 'ENOENT') throw e;
  });

/** The Blobs of directory `dir`. */
export function createDiskBlobs(dir: string): Blobs {
  let made: Promise<unknown> | undefined;
  const path = (id: string) => {
    if (!ID.test(id)) throw new Error('bad file id');
    return join(dir, id);
  };
  return {
    async write(id, source) {
      const final = path(id);
      await (made ??= mkdir(dir, { recursive: true }).catch((e) => {
        made = undefined;
        throw e;
      }));
      const part = join(dir, PART + id);
      const out = createWriteStream(part, { flags: 'wx' });
      try {
        await pipeline(Readable.from(source), out);
        await rename(part, final);
      } catch (e) {
        // The stream opens its file on a worker thread: a source that failed at once leaves it
        // still opening, and an unlink on another thread would come first and find nothing.
        // The stream is destroyed by now; once it has closed, its file (if any) is there.
        await finished(out).catch(() => {});
        await gone(part).catch(() => {});
        throw e;
      }
    },
    async read(id) {
      // Opened here, so a missing file is known now (not as a stream error nobody hears yet),
      // and a file the sweep deletes meanwhile is still read whole.
      const handle = await open(path(id), 'r').catch(() => undefined);
      return handle?.createReadStream();
    },
    async delete(ids) {
      for (const id of ids) await gone(path(id));
    },
    async sweep(before, known) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        return 0;
      }
      const old: string[] = [];
      for (const name of names) {
        const id = name.startsWith(PART) ? name.slice(PART.length) : name;
        if (!ID.test(id)) continue;
        const s = await stat(join(dir, name)).catch(() => undefined);
        if (s && s.mtimeMs < before) old.push(name);
      }
      // A part file is an upload cut off (its writer deletes it otherwise); a file no row names
      // lost its row (retention, or its visitor was deleted).
      const keep = await known(old.filter((n) => !n.startsWith(PART)));
      let n = 0;
      for (const name of old)
        if (name.startsWith(PART) || !keep.has(name)) {
          await gone(join(dir, name));
          n++;
        }
      return n;
    },
  };
}
