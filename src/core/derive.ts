import { has } from './config-check';
import type { Kernel } from './kernel';

/**
 * Derives, on every state change, the fields that follow from the visitor and the config: the
 * chat layer's part of the kernel's `set` (only it and the UI read them).
 */
export function deriveState(k: Kernel): void {
  const { config } = k;
  let shownByApi = !config.hideWidget;
  // Hidden on phones until the chat is opened (`chat:open`, as for `hideWidget`, or a message
  // that opens it): a site that hides the launcher there opens the chat from its own button.
  let phoneHidden = config.hideMobileWidget && k.device == 'mobile';
  k.deriveState((s, patch) => {
    const v = k.visitor;
    // Own keys only: `in` would see a `visible` a host added to Object.prototype.
    if (has(patch, 'visible')) shownByApi = !!patch.visible;
    if (has(patch, 'open') && patch.open) phoneHidden = false;
    // Reached once a `welcome` came (the HTTP transport says `open` before its first answer); an
    // attempt that failed before makes it false, until one comes.
    if (k.welcomed) s.reached = true;
    else if (s.connection == 'closed' && s.reached == null) s.reached = false;
    s.visible = shownByApi && !s.blocked && !phoneHidden;
    s.customer = v.customer;
    s.profile = v.profile;
    s.variables = v.variables;
    s.group = v.group;
    s.needsContactForm = config.requireLogin && !v.customer;
  });
}
