import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { isImage, type Files } from '../core/files';
import type { Attachment } from '../protocol';
import { fill, type Strings } from './i18n';
import { fileKind, fileSize } from './file-size';
import { FileIcon } from './icons';

/** The file layer and the UI language, for the attachments of every message row. */
export const FilesContext = createContext<{ files?: Files; lang: string }>({ lang: 'en' });

/**
 * The files of one message: a raster image as a thumbnail (fetched with the visitor's token into
 * a `blob:` URL: the server's own URL field is never put in the page), anything else as a chip
 * with its name, kind and size. Either one downloads the file when pressed.
 */
export function Attachments({ list, t }: { list: Attachment[]; t: Strings }) {
  return (
    <div class="fs">
      {list.map((a) => (
        <AttachmentView key={a.id} a={a} t={t} />
      ))}
    </div>
  );
}

function AttachmentView({ a, t }: { a: Attachment; t: Strings }) {
  const { files, lang } = useContext(FilesContext);
  const [url, setUrl] = useState<string>();
  const image = isImage(a.type);
  useEffect(() => {
    if (image && files) files.url(a).then(setUrl, () => {});
  }, [files, a.id]);
  const save = (e: Event) =>
    void files?.download(a, (e.currentTarget as Node).getRootNode() as ParentNode).catch(() => {});
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
        {fileKind(f.type)} · {fileSize(f.size, lang)}
      </span>
    </>
  );
}
