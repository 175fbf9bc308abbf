import type { Files } from '../core/files';
import type { Strings } from './i18n';
import { fill } from './shell-strings';

/** Sends files the visitor picked, dropped or pasted, each said in the window's live region. */
export const sendFiles =
  (files: Files, t: Strings, announce: (text: string) => void) => (list: File[]) => {
    for (const f of list) {
      announce(fill(t.uploading, { name: f.name }));
      files.send(f).catch(() => {});
    }
  };
