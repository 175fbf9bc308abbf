/** The UI's own warnings on the console, prefixed like the core's; never throws. */
export const warn = (message: string) => {
  try {
    console.warn('[visitor-chat] ' + message);
  } catch {
    // A host page whose console.warn throws must not break the UI.
  }
};
