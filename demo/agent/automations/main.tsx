/**
 * Entry of dist/agent.automations.js, the Automations screen: loaded by the Visitors page
 * (dist/agent.js) only when an agent opens it, so agent.js carries nothing of it but the button.
 * It brings its own Preact (the page's is bundled inside agent.js's IIFE) and renders into a
 * box of its own next to `#app`.
 */
import { render } from 'preact';
import { createCall, type Fetch } from '../api';
import { AutomationsScreen } from './Screen';

export interface AutomationsEnv {
  document: Document;
  fetch: Fetch;
  token: string;
  base?: string;
  /** The Visitors page's element: hidden while the screen shows. */
  root: HTMLElement;
}

/** Shows the screen; returns a function that closes it. */
export function mountAutomations(env: AutomationsEnv) {
  const { root } = env;
  const box = env.document.createElement('div');
  box.id = 'automations';
  root.after(box);
  root.hidden = true;
  const close = () => {
    render(null, box);
    box.remove();
    root.hidden = false;
    // Back on the Visitors page, on the button that opened the screen (its Back button is gone).
    root.querySelector<HTMLElement>('.top button')?.focus();
  };
  render(
    <AutomationsScreen call={createCall(env.fetch, env.token, env.base)} onBack={close} />,
    box,
  );
  return close;
}
