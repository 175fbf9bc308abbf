/**
 * The bytes of uploaded files in Postgres (DATABASE_URL): rows of `file_chunks`, so every node
 * of a cluster serves every file. Written as they arrive, a chunk at a time (an upload is never
 * held whole in memory), read back the same way.
 */
import type pg from 'pg';
import type { Blobs } from './store';

/** Bytes per stored chunk. */
const CHUNK = 256 * 1024;

/**
 * The Blobs of a pool (the store's), or of one client: `copy-sqlite` writes the files it copies
 * in its transaction.
 */
export function createPostgresBlobs(pool: Pick<pg.ClientBase, 'query'>): Blobs {
  const remove = (ids: string[]) =>
    pool.query('DELETE FROM file_chunks WHERE file_id = ANY($1)', [ids]).then(() => {});
  return {
    async write(id, source) {
      let n = 0;
      let held: Buffer[] = [];
      let size = 0;
      const flush = async () => {
        if (!size) return;
        const data = Buffer.concat(held, size);
        held = [];
        size = 0;
        await pool.query('INSERT INTO file_chunks (file_id, n, data, at) VALUES ($1, $2, $3, $4)', [
          id,
          n++,
          data,
          Date.now(),
        ]);
      };
      try {
        for await (const chunk of source) {
          held.push(chunk);
          size += chunk.length;
          if (size >= CHUNK) await flush();
        }
        await flush();
      } catch (e) {
        await remove([id]).catch(() => {});
        throw e;
      }
    },
    async read(id) {
      const first = await pool.query('SELECT data FROM file_chunks WHERE file_id = $1 AND n = 0', [
        id,
      ]);
      if (!first.rows.length) return undefined;
      return (async function* () {
        yield first.rows[0].data as Buffer;
        for (let n = 1; ; n++) {
          const r = await pool.query('SELECT data FROM file_chunks WHERE file_id = $1 AND n = $2', [
            id,
            n,
          ]);
          if (!r.rows.length) return;
          yield r.rows[0].data as Buffer;
        }
      })();
    },
    delete: (ids) => (ids.length ? remove(ids) : Promise.resolve()),
    async sweep(before, known) {
      const r = await pool.query(
        'SELECT DISTINCT file_id FROM file_chunks WHERE at < $1 LIMIT 1000',
        [before],
      );
      const ids = r.rows.map((x) => x.file_id as string);
      const keep = await known(ids);
      const gone = ids.filter((id) => !keep.has(id));
      if (gone.length) await remove(gone);
      return gone.length;
    },
  };
}
