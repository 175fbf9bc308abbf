import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Strings } from './i18n';

/** Props of {@link DropZone}. */
export interface DropZoneProps {
  /** The chat window: files dropped anywhere on it are sent. */
  win: RefObject<HTMLElement | null>;
  t: Strings;
  onFiles(files: File[]): void;
}

const hasFiles = (e: DragEvent) => !!e.dataTransfer?.types.includes('Files');

/**
 * Makes the chat window a drop target while it is rendered (not while the contact form is
 * shown): a dashed overlay says so as files are dragged over, and a drop sends them. Listens on
 * the window element itself, so the chat window needs no code for it before the file chunk is
 * here. The overlay is decoration (`aria-hidden`): the attach button is the accessible way.
 */
export function DropZone({ win, t, onFiles }: DropZoneProps) {
  const [drag, setDrag] = useState(false);
  const send = useRef(onFiles);
  send.current = onFiles;
  useEffect(() => {
    const el = win.current;
    if (!el) return;
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDrag(true);
    };
    // Pairs, not an object walked with for-in: a polluted Object.prototype adds no listener.
    const on: [string, (e: DragEvent) => void][] = [
      ['dragenter', over],
      ['dragover', over],
      [
        'dragleave',
        (e) => {
          if (!el.contains(e.relatedTarget as Node | null)) setDrag(false);
        },
      ],
      [
        'drop',
        (e) => {
          if (!hasFiles(e)) return;
          e.preventDefault();
          setDrag(false);
          send.current(Array.from(e.dataTransfer!.files));
        },
      ],
    ];
    for (const [k, f] of on) el.addEventListener(k, f as EventListener);
    return () => {
      for (const [k, f] of on) el.removeEventListener(k, f as EventListener);
    };
  }, []);
  return drag ? (
    <div class="dz" aria-hidden="true">
      <p>{t.drop}</p>
    </div>
  ) : null;
}
