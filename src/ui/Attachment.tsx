import { isImage, type Files } from '../core/files';
import type { Attachment } from '../protocol';
import { useEffect, useState } from 'preact/hooks';
import type { Strings } from './i18n';
import { fileKind, fileSize } from './file-size';
import { FileIcon } from './icons';
import { fill } from './shell-strings';

/** Props of {@link Attachments}. */
export interface AttachmentsProps {
  list: Attachment[];
  t: Strings;
  files: Files;
  /** The UI language (sizes). */
  lang: string;
}

/**
 * The files of one message: a raster image as a thumbnail (fetched with the visitor's token into
 * a `blob:` URL: the server's own URL field is never put in the page), anything else as a chip
 * with its name, kind and size. Either one downloads the file when pressed. (Part of the file
 * chunk: ui/MessageFiles.tsx shows the names until it is here.)
 */
export function Attachments({ list, ...p }: AttachmentsProps) {
  return (
    <div class="fs">
      {list.map((a) => (
        <AttachmentView key={a.id} a={a} {...p} />
      ))}
    </div>
  );
}

function AttachmentView({ a, t, files, lang }: Omit<AttachmentsProps, 'list'> & { a: Attachment }) {
  const [url, setUrl] = useState<string>();
  const image = isImage(a.type);
  useEffect(() => {
    if (image) files.url(a).then(setUrl, () => {});
  }, [a.id]);
  const save = (e: Event) =>
    void files.download(a, (e.currentTarget as Node).getRootNode() as ParentNode).catch(() => {});
  const label = fill(t.download, { name: a.name });
  if (url)
    return (
      <button type="button" class="th" title={label} onClick={save}>
        <img src={url} alt={a.name} />
      </button>
    );
  return (
    <button type="button" class="fc" title={label} onClick={save}>
      <ChipBody f={a} lang={lang} />
    </button>
  );
}

/** What a file chip shows: an icon, the name, the kind and the size (uploads show it too). */
export function ChipBody({
  f,
  lang,
}: {
  f: { name: string; type: string; size: number };
  lang: string;
}) {
  return (
    <>
      <FileIcon />
      <span class="fn" dir="auto">
        {f.name}
      </span>
      <span class="fz">
        {/* The size isolated: in Arabic its number and unit must not mix with the Latin kind. */}
        {fileKind(f.type, f.name)} · <bdi>{fileSize(f.size, lang)}</bdi>
      </span>
    </>
  );
}
