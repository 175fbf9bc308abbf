/** Colour maths for the theme: WCAG 2.x relative luminance and contrast ratio. */

/** Relative luminance of a `#rrggbb` colour (https://www.w3.org/TR/WCAG22/#dfn-relative-luminance). */
function luminance(hex: string): number {
  const n = parseInt(hex.slice(1), 16);
  return [n >> 16, (n >> 8) & 255, n & 255].reduce((sum, c, i) => {
    const v = c / 255;
    const linear = v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return sum + linear * [0.2126, 0.7152, 0.0722][i];
  }, 0);
}

/** WCAG contrast ratio of two `#rrggbb` colours, from 1 to 21. */
export function contrast(a: string, b: string): number {
  const x = luminance(a);
  const y = luminance(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/** Dark text used where white would not be readable. */
export const DARK = '#111827';

/**
 * The text colour (white or {@link DARK}) with the best worst-case contrast over every given
 * background colour (one colour, or both ends of a gradient).
 */
export function textOn(backgrounds: string[]): string {
  const worst = (fg: string) => Math.min(...backgrounds.map((bg) => contrast(fg, bg)));
  return worst('#ffffff') >= worst(DARK) ? '#ffffff' : DARK;
}
