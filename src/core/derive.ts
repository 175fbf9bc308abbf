import { has } from './config-check';
import type { Kernel } from './kernel';

/**
 * Derives, on every state change, the fields that follow from the visitor and the config: the
 * chat layer's part of the kernel's `set` (only it and the UI read them).
 */
export function deriveState(k: Kernel): void {
  const { config } = k;
  let shownByApi = !config.hideWidget;
  k.deriveState((s, patch) => {
    const v = k.visitor;
    // Own keys only: `in` would see a `visible` a host added to Object.prototype.
    if (has(patch, 'visible')) shownByApi = !!patch.visible;
    s.visible = shownByApi && !s.blocked && !(config.hideMobileWidget && k.device == 'mobile');
    s.customer = v.customer;
    s.profile = v.profile;
    s.variables = v.variables;
    s.group = v.group;
    s.needsContactForm = config.requireLogin && !v.customer;
  });
}
