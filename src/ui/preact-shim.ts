/**
 * What the file layer's and the contact form's components (dist/files.js, dist/form.js) import
 * from `preact`, `preact/hooks` and `preact/jsx-runtime` in the script-tag build:
 * rollup.config.mjs points those three at this module, and ui.js hands over its own Preact
 * through {@link install} before it renders any of them. One Preact on the page: hooks only work
 * with the instance that renders them, and a second copy would cost the chunk 4 kB. Live
 * bindings: the chunk's code reads these `let`s as they are when it runs, not when it was
 * loaded. (The npm build and the tests use Preact itself.)
 */
import type * as hooks from 'preact/hooks';
import type * as runtime from 'preact/jsx-runtime';

export let jsx: typeof runtime.jsx;
export let jsxs: typeof runtime.jsxs;
export let Fragment: typeof runtime.Fragment;
export let useState: typeof hooks.useState;
export let useEffect: typeof hooks.useEffect;
export let useRef: typeof hooks.useRef;
export let useLayoutEffect: typeof hooks.useLayoutEffect;

/** The Preact functions {@link install} takes: ui.js's own. */
export interface PreactParts {
  jsx: typeof runtime.jsx;
  Fragment: typeof runtime.Fragment;
  useState: typeof hooks.useState;
  useEffect: typeof hooks.useEffect;
  useRef: typeof hooks.useRef;
  useLayoutEffect: typeof hooks.useLayoutEffect;
}

/** Gives the chunk ui.js's Preact (`jsxs` is Preact's `jsx` under another name). */
export function install(p: PreactParts): void {
  jsx = jsxs = p.jsx;
  Fragment = p.Fragment;
  useState = p.useState;
  useEffect = p.useEffect;
  useRef = p.useRef;
  useLayoutEffect = p.useLayoutEffect;
}
