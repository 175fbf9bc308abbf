import { useEffect, useRef } from 'preact/hooks';
import type { Files, Upload, UploadError } from '../core/files';
import { ChipBody } from './Attachment';
import type { Strings } from './i18n';
import { fill } from './shell-strings';

/** Props of {@link Uploads}. */
export interface UploadsProps {
  uploads: readonly Upload[];
  files: Files;
  t: Strings;
  lang: string;
  /** Says something in the window's live region. */
  announce(text: string): void;
  /** Called when a button the focus was on went away (cancel, remove): focus the composer. */
  onGone(): void;
}

/** What the visitor reads about a failed upload. */
export const uploadError = (e: UploadError, t: Strings) =>
  e == 'big' ? t.upBig : e == 'type' ? t.upType : e == 'gone' ? t.upGone : t.upFailed;

/**
 * Files on their way, below the conversation, each as the visitor's message: its progress (a
 * `<progress>` named after the file) with Cancel, or why it failed with Remove (and Retry, unless
 * the server refused its size or type: the same bytes would be refused again). A failure is
 * announced once in the live region.
 */
export function Uploads({ uploads, files, t, lang, announce, onGone }: UploadsProps) {
  const told = useRef(new Set<string>());
  useEffect(() => {
    for (const u of uploads)
      if (u.error && !told.current.has(u.cid)) {
        told.current.add(u.cid);
        announce(u.name + ': ' + uploadError(u.error, t));
      } else if (!u.error) told.current.delete(u.cid);
  }, [uploads]);
  if (!uploads.length) return null;
  const gone = (fn: (cid: string) => void, cid: string) => () => {
    fn(cid);
    onGone();
  };
  return (
    <ul class="ups">
      {uploads.map((u) => (
        <li key={u.cid} class={'m v up' + (u.error ? ' fl' : '')}>
          <span class="fc">
            <ChipBody f={u} lang={lang} />
          </span>
          {u.error ? (
            <span class="mt">
              {uploadError(u.error, t)}
              {u.file && u.error != 'big' && u.error != 'type' && (
                <button type="button" class="rt" onClick={() => files.retry(u.cid)}>
                  {t.retry}
                </button>
              )}
              <button type="button" class="rt" onClick={gone(files.remove, u.cid)}>
                {t.remove}
              </button>
            </span>
          ) : (
            <span class="mt">
              <progress
                max={1}
                value={u.progress}
                aria-label={fill(t.uploading, { name: u.name })}
              />
              <button type="button" class="rt" onClick={gone(files.cancel, u.cid)}>
                {t.cancel}
              </button>
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
