/** The app's hooks on the outside world: a media query and the core's state. */
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import type { WidgetState } from '../core/state';
import type { Widget } from '../core/widget';

/** True while the media query matches. */
export function useMedia(win: Window, query: string): boolean {
  const [matches, setMatches] = useState(() => !!win.matchMedia?.(query).matches);
  useEffect(() => {
    const mq = win.matchMedia?.(query);
    if (!mq) return;
    const update = () => setMatches(mq.matches);
    mq.addEventListener('change', update);
    return () => mq.removeEventListener('change', update);
  }, []);
  return matches;
}

/**
 * The core's state snapshot, re-rendering on every change. (One immutable snapshot from the
 * core needs no signals: @preact/signals would add 3 KB brotli to this chunk for nothing.)
 */
export function useWidgetState(widget: Widget): WidgetState {
  const [state, setState] = useState(widget.state);
  // A layout effect subscribes in the same task as the first render: a plain effect waits for
  // the next frame, and what the visitor typed meanwhile (the shell opened the chat before this
  // chunk arrived) would never reach the composer's draft, so Enter would send nothing.
  useLayoutEffect(() => {
    // Read `widget.state`, not the argument: a subscriber that changes state from inside the
    // notification loop makes the core hand the older snapshot to the subscribers after it.
    const update = () => setState(widget.state);
    update();
    return widget.subscribe(update);
  }, []);
  return state;
}
