// @vitest-environment node
/**
 * The upload directory (demo/server/files-disk.ts) on its own: a write that fails leaves no
 * part file behind, however early it fails.
 */
import { pbkdf2 } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiskBlobs } from '../../demo/server/files-disk';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A source refused before its first chunk (the size cap, or a type found wrong at once). */
// eslint-disable-next-line require-yield
async function* refused(): AsyncGenerator<Buffer> {
  throw new Error('too_large');
}

describe('disk blobs', () => {
  it('a write whose source fails before its first chunk leaves no part file, even one opened late', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-blobs-'));
    dirs.push(dir);
    const blobs = createDiskBlobs(dir);
    // The write stream opens its file on a libuv worker thread, and the clean-up's unlink runs on
    // another: one still opening when the write gave up would create its part file after the
    // unlink. The race is rare (1–2 writes in 100 here, more on a loaded CI machine), so many
    // writes, with the other workers kept busy as a loaded server's are.
    let busy = true;
    const spin = () => void (busy && pbkdf2('x', 'y', 2000, 32, 'sha256', spin));
    spin();
    try {
      for (let i = 0; i < 500; i++)
        await expect(blobs.write('id' + i, refused())).rejects.toThrow('too_large');
    } finally {
      busy = false;
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a write that completes is renamed to its id, with no part file left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-blobs-'));
    dirs.push(dir);
    const blobs = createDiskBlobs(dir);
    await blobs.write(
      'ok',
      (async function* () {
        yield Buffer.from([1, 2, 3]);
      })(),
    );
    expect(readdirSync(dir)).toEqual(['ok']);
  });
});
