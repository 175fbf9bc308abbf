/**
 * `memo` without preact/compat (its 3 kB for one function): a component that re-renders only
 * when a prop changed (shallow), the way compat's memo does it, through the instance's
 * `shouldComponentUpdate`. Signals the inner component reads still re-render it.
 */
import { createElement, type Component, type FunctionComponent } from 'preact';

/** Whether two props objects differ in any own key (by identity). */
function differ(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  for (const k in a) if (a[k] !== b[k]) return true;
  for (const k in b) if (!(k in a)) return true;
  return false;
}

/** Wraps a function component so that equal props skip its render. */
export function memo<P extends object>(inner: FunctionComponent<P>): FunctionComponent<P> {
  function Memo(this: Component<P>, props: P) {
    this.shouldComponentUpdate = function (this: Component<P>, next: P) {
      return differ(this.props as Record<string, unknown>, next as Record<string, unknown>);
    };
    return createElement(inner, props);
  }
  return Memo as FunctionComponent<P>;
}
