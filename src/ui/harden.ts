import { options } from 'preact';
import { NONE } from './clean';

let hooked = false;

// Not Object.create(null), and no `delete`: either leaves an object in V8's dictionary mode, and
// Preact reads every prop of every vnode on each render (see NONE).
const bare = <T extends object>(o: T) => Object.assign(Object.create(NONE) as object, o) as T;

/**
 * A host page may have added enumerable keys to Object.prototype (a careless library, or an
 * attack). Preact reads props with for-in and `name in dom`, which walk it: an inherited
 * `dangerouslySetInnerHTML` or `style` would reach every element, and an inherited `class`
 * makes Preact set `dom.class` instead of the attribute. So every element's props are copied
 * onto a prototype that has none (and so is a style object); an element with a `ref` has its
 * props copied by jsx() with for-in, so what came from Object.prototype is dropped again;
 * `class` is set as `className`, a real DOM property. test/browser/hostile.test.ts proves it.
 * (Not defended: `on*` keys with a primitive value, which make Preact's own event code throw,
 * and keys named after attributes that are no DOM property, like `aria-label` or `for`, which
 * Preact then sets as properties.)
 *
 * Installs Preact option hooks once (every mounted UI shares them).
 */
export function hardenPreact(): void {
  if (hooked) return;
  hooked = true;
  const prev = options.vnode;
  const P = Object.prototype as Record<string, unknown>;
  options.vnode = (v) => {
    if (v.type) {
      if (typeof v.type != 'string') v.props = bare(v.props);
      else {
        const o = v.props as Record<string, unknown>;
        const p = Object.create(NONE) as Record<string, unknown>;
        v.props = p as typeof v.props;
        let keys = Object.keys(o);
        // An element with a `ref` has its props copied by jsx() with for-in: what came from
        // Object.prototype (its enumerable keys, with their values) is left out again.
        // eslint-disable-next-line guard-for-in
        if (v.ref) for (const k in P) if (o[k] === P[k]) keys = keys.filter((x) => x != k);
        for (const k of keys) if (k != 'class') p[k] = o[k];
        // `class` wins over `className` whatever their order.
        if (keys.includes('class')) p.className = o.class;
        if (typeof p.style == 'object' && p.style) p.style = bare(p.style);
      }
    }
    prev?.(v);
  };
  // On a new element Preact diffs against an empty object that inherits the polluted keys: it
  // clears each one as an old prop (leaving `lang=""`, `value="0"`… attributes: removed
  // again) and skips a prop whose value equals the inherited one (set here). `__e` is the
  // vnode's element, as @preact/signals reads it.
  const prevDiffed = options.diffed;
  options.diffed = (v) => {
    const d = (v as { __e?: Element }).__e;
    const p = v.props as Record<string, unknown>;
    if (typeof v.type == 'string' && d)
      // eslint-disable-next-line guard-for-in
      for (const k in P) {
        const x = p[k];
        const a = k == 'className' ? 'class' : k;
        if (!(k in p)) {
          if (a != 'class' || !('className' in p)) d.removeAttribute(a);
        } else if (x === P[k] && typeof x == 'string') d.setAttribute(a, x);
      }
    prevDiffed?.(v);
  };
}
