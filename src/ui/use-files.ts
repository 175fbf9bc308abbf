import { useEffect, useState } from 'preact/hooks';
import type { Files, FilesState } from '../core/files';
import type { Widget } from '../core/widget';

const NONE: FilesState = { uploads: [], rating: null };

/** The widget's file layer (core/files.ts) and its state, re-rendering on every change. */
export function useFiles(widget: Widget): [Files | undefined, FilesState] {
  const [files, setFiles] = useState<Files>();
  const [state, setState] = useState(NONE);
  useEffect(() => {
    let off: (() => void) | undefined;
    let on = true;
    widget.files().then(
      (f) => {
        if (!on) return;
        setFiles(f);
        setState(f.state);
        off = f.subscribe(setState);
      },
      // Without the file layer (it failed to load) the chat still works, files aside.
      () => {},
    );
    return () => {
      on = false;
      off?.();
    };
  }, []);
  return [files, state];
}
