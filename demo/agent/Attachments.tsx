/**
 * The files of a message on the Visitors page: a raster image as a thumbnail, anything else as a
 * chip with its name, kind and size; either one downloads the file. Files are read with the
 * agent token (fetch, then a `blob:` URL), never by putting the server's URL in the page.
 */
import { useEffect, useState } from 'preact/hooks';
import { isImage } from '../../src/core/files';
import type { Attachment } from '../../src/protocol';
import { fileKind, fileSize } from '../../src/ui/file-size';

/** Reads a file with the agent token. */
export type ReadFile = (id: string) => Promise<Blob>;

function One({ a, read }: { a: Attachment; read: ReadFile }) {
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState('');
  // The thumbnail's blob URL holds the image in memory until revoked: an agent page open all
  // day opens many conversations, so it goes when the thumbnail does (or one read too late).
  useEffect(() => {
    let made: string | undefined;
    let gone = false;
    if (isImage(a.type))
      read(a.id).then(
        (b) => gone || setUrl((made = URL.createObjectURL(b))),
        () => {},
      );
    return () => {
      gone = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [a.id]);
  const save = (e: Event) => {
    const root = (e.currentTarget as Element).parentElement!;
    read(a.id).then(
      (b) => {
        const link = root.ownerDocument.createElement('a');
        link.href = URL.createObjectURL(b);
        link.download = a.name;
        link.hidden = true;
        root.append(link);
        link.click();
        link.remove();
        // Once the browser has taken the download (a minute is plenty): not held for good.
        setTimeout(() => URL.revokeObjectURL(link.href), 6e4);
      },
      (x) => setError('Could not load ' + a.name + ': ' + String(x.message || x)),
    );
  };
  return (
    <span>
      <button
        type="button"
        class={url ? 'file-thumb' : 'file-chip'}
        onClick={save}
        title={'Download ' + a.name}
      >
        {url ? (
          <img src={url} alt={a.name} />
        ) : (
          <>
            <span class="file-name">{a.name}</span>
            <span class="file-meta">
              {fileKind(a.type, a.name)} · {fileSize(a.size, 'en')}
            </span>
          </>
        )}
      </button>
      {error && <span class="why">{error}</span>}
    </span>
  );
}

/** The list of a message's files. */
export function Attachments({ list, read }: { list: Attachment[]; read: ReadFile }) {
  return (
    <div class="files">
      {list.map((a) => (
        <One key={a.id} a={a} read={read} />
      ))}
    </div>
  );
}
