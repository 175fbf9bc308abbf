import type { Files } from '../core/files';
import type { Strings } from './i18n';
import { ClipIcon } from './icons';
import { sendFiles } from './send-files';

/** Props of {@link Attach} and {@link paste}. */
export interface AttachProps {
  files: Files;
  t: Strings;
  /** Says something in the window's live region. */
  announce(text: string): void;
}

/**
 * The composer's attach button and the hidden file input it opens (hidden by a class: a
 * polluted Object.prototype can drop the `hidden` attribute, see test/browser/hostile.test.ts).
 */
export function Attach({ files, t, announce }: AttachProps) {
  return (
    <>
      <button
        type="button"
        class="af"
        aria-label={t.attach}
        title={t.attach}
        onClick={(e) => (e.currentTarget.nextSibling as HTMLInputElement).click()}
      >
        <ClipIcon />
      </button>
      <input
        type="file"
        id="vc-fi"
        multiple
        class="fi"
        onChange={(e) => {
          const input = e.currentTarget;
          if (input.files?.length) sendFiles(files, t, announce)(Array.from(input.files));
          input.value = '';
        }}
      />
    </>
  );
}

/** The composer's paste handler: a pasted screenshot is sent as a file, text goes in as usual. */
export const paste =
  ({ files, t, announce }: AttachProps) =>
  (e: ClipboardEvent) => {
    const images = Array.from(e.clipboardData?.files || []).filter((f) =>
      f.type.startsWith('image/'),
    );
    if (!images.length) return;
    e.preventDefault();
    sendFiles(files, t, announce)(images);
  };
