import { createContext } from 'preact';
import { useContext, useEffect } from 'preact/hooks';
import type { Attachment } from '../protocol';
import type { Strings } from './i18n';
import type { FilesUI } from './use-files';

/** The file layer once loaded, the UI language, and how to ask for the file layer. */
export const FilesContext = createContext<{ fx?: FilesUI; lang: string; need(): void }>({
  lang: 'en',
  need() {},
});

/**
 * The files of one message: the file chunk's thumbnails and chips (ui/Attachment.tsx), or until
 * it is here, which it is asked for, their names as plain chips.
 */
export function MessageFiles({ list, t }: { list: Attachment[]; t: Strings }) {
  const { fx, lang, need } = useContext(FilesContext);
  useEffect(need, []);
  return fx ? (
    <fx.view.Attachments list={list} t={t} files={fx.files} lang={lang} />
  ) : (
    <div class="fs">
      {list.map((a) => (
        <span key={a.id} class="fc" dir="auto">
          {a.name}
        </span>
      ))}
    </div>
  );
}
