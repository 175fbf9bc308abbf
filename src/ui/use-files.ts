import { useState } from 'preact/hooks';
import type { Files } from '../core/files';
import type { Widget } from '../core/widget';

/** The file layer's UI module (ui/files-view.ts): a chunk of its own. */
export type FilesView = typeof import('./files-view');

/** The file layer as the UI uses it once both halves are here. */
export interface FilesUI {
  /** The widget's file layer (core/files.ts). */
  files: Files;
  /** Its components (ui/files-view.ts). */
  view: FilesView;
}

/**
 * The file layer once asked for: `need()` loads the widget's file layer and, through `load`, its
 * components (their stylesheet adopted by `root` first), once however often it is called. Nothing
 * without `load`; the chat works without files when either fails to load.
 */
export function useFiles(
  widget: Widget,
  root: ShadowRoot,
  load?: () => Promise<FilesView>,
): [FilesUI | undefined, () => void] {
  const [fx, setFx] = useState<FilesUI>();
  const [need] = useState(() => {
    let asked = false;
    return () => {
      if (asked || !load) return;
      asked = true;
      Promise.all([widget.files(), load()]).then(
        ([files, view]) => {
          view.adopt(root);
          setFx({ files, view });
        },
        () => {},
      );
    };
  });
  return [fx, need];
}
