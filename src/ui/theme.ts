import type { WidgetState } from '../core/state';
import { contrast, DARK, textOn } from './contrast';
import { isRtl } from './shell-strings';

/** Brand colour when the site sets none (white text on it: 5.2:1). */
export const DEFAULT_COLOR = '#2563eb';

/**
 * The custom properties the stylesheet reads (see ui/styles.ts), from the config and
 * `theme:color`: brand background, text on it, brand colour readable on white, offsets,
 * z-index. The launcher shell and the UI set the same ones.
 */
export function themeVars(s: Pick<WidgetState, 'theme' | 'config'>): Record<string, string> {
  const cfg = s.config;
  const c1 = s.theme.color || cfg.color || DEFAULT_COLOR;
  const c2 = s.theme.gradient && s.theme.color2;
  return {
    '--c': c2 ? 'linear-gradient(135deg,' + c1 + ',' + c2 + ')' : c1,
    '--f': textOn(c2 ? [c1, c2] : [c1]),
    '--a': contrast(c1, '#ffffff') >= 4.5 ? c1 : DARK,
    '--x': cfg.offsetX + 'px',
    '--y': cfg.offsetY + 'px',
    '--z': String(cfg.zIndex),
  };
}

/**
 * {@link themeVars} and what only the chat window uses: `--o`, the agent avatar's disc on the
 * header, a shade away from the header's text so its initials read at least as well as that
 * text (a white veil under white text did not: 3.4:1 on the default blue).
 */
export function windowVars(s: Pick<WidgetState, 'theme' | 'config'>): Record<string, string> {
  const vars = themeVars(s);
  vars['--o'] = vars['--f'] == DARK ? 'rgba(255,255,255,.35)' : 'rgba(0,0,0,.18)';
  return vars;
}

/**
 * The root element's classes: corner or inline, side (mirrored in RTL), open. Inline when the
 * host is in the `renderTo` element, not when the config merely names one: a `renderTo` not
 * found puts the host at the end of `<body>`, in the corner.
 */
export function rootClass(
  s: Pick<WidgetState, 'config' | 'lang' | 'open'>,
  inline: boolean,
): string {
  const right = (s.config.orientation == 'right') != isRtl(s.lang);
  return 'vc ' + (inline ? 'in ' : 'fx ') + (right ? 'r' : 'l') + (s.open ? ' o' : '');
}

/** Whether `host` was put in a `renderTo` element (see attachHost), not at the end of `<body>`. */
export const isInline = (host: Element) => host.parentNode != host.ownerDocument.body;
