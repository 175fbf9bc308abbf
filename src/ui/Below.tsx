import type { RefObject } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Files } from '../core/files';
import { DropZone } from './DropZone';
import type { Strings } from './i18n';
import { Rating } from './Rating';
import { sendFiles } from './send-files';
import { Uploads } from './Uploads';

/** Props of {@link Below}. */
export interface BelowProps {
  files: Files;
  t: Strings;
  lang: string;
  /** Says something in the window's live region. */
  announce(text: string): void;
  /** Called when a button the focus was on went away (cancel, remove): focus the composer. */
  onGone(): void;
  /** The chat window, a drop target unless `drop` is false (the contact form is shown). */
  win: RefObject<HTMLElement | null>;
  drop: boolean;
}

/**
 * What the file layer adds below the conversation: the uploads on their way, the rating once
 * the conversation is closed, and the drop target over the window. Re-renders on every change
 * of the file layer's state.
 */
export function Below({ files, t, lang, announce, onGone, win, drop }: BelowProps) {
  const [s, setS] = useState(files.state);
  useEffect(() => {
    setS(files.state);
    return files.subscribe(setS);
  }, []);
  return (
    <>
      <Uploads
        uploads={s.uploads}
        files={files}
        t={t}
        lang={lang}
        announce={announce}
        onGone={onGone}
      />
      {s.rating && <Rating step={s.rating} files={files} t={t} announce={announce} />}
      {drop && <DropZone win={win} t={t} onFiles={sendFiles(files, t, announce)} />}
    </>
  );
}
