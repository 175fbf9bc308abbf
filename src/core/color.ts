/** Full six-digit hex colour, as Smartsupp requires (`#f00` is refused). */
export const isHexColor = (v: unknown): boolean =>
  typeof v == 'string' && /^#[0-9a-f]{6}$/i.test(v);
