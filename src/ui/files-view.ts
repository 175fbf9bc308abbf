/**
 * The file layer's part of the UI: what the chat window shows for files, the rating and the
 * transcript. A chunk of its own (dist/files.js for the script tag, a dynamic import in
 * `visitor-chat/ui`), loaded when the chat window opens or a message with files must be shown;
 * ui/use-files.ts loads it and ui/MessageFiles.tsx stands in for it until then.
 */
import { FILES_CSS } from './files-styles';

export { Attach, paste } from './Attach';
export { Attachments } from './Attachment';
export { Below } from './Below';
export { ChatMenu } from './ChatMenu';
export { FILES_EN } from './files-strings';

/** Adds the file layer's stylesheet to the UI's shadow root (after the UI's own). */
export function adopt(root: ShadowRoot): void {
  const win = root.host.ownerDocument.defaultView!;
  const sheet = new win.CSSStyleSheet();
  sheet.replaceSync(FILES_CSS);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}
