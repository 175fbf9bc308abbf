/** The badges beside a visitor's name: customer, verified, blocked, returning, device, country. */
import type { ComponentChildren } from 'preact';
import type { Visitor } from './types';

const DEVICES: Record<string, string> = { desktop: 'Desktop', mobile: 'Mobile', tablet: 'Tablet' };

/** The flag of a two-letter country code: its two regional indicator symbols. */
export const flag = (code: string) =>
  String.fromCodePoint(...[...code.toUpperCase()].map((c) => 127397 + c.charCodeAt(0)));

/** A country's flag as an image named by the country (screen readers say the name once). */
export const Flag = ({ c }: { c: { code: string; name: string } }) => (
  <span role="img" aria-label={c.name} title={c.name}>
    {flag(c.code)}
  </span>
);

/** Text badges (readable without colour). */
export function Badges({ v }: { v: Visitor }) {
  const list: [cls: string, text: ComponentChildren, title: string][] = [];
  if (v.blocked) list.push(['blocked', 'Blocked', 'Blocked by an agent']);
  if (v.customer) list.push(['customer', 'Customer', 'Identified by the contact form or the API']);
  if (v.verified) list.push(['verified', '✓ Verified', 'Identity verified with a user hash']);
  if (v.visits > 1) list.push(['returning', 'Returning', 'Visit number ' + v.visits]);
  const device = v.device && DEVICES[v.device];
  if (device) list.push(['device', device, device + ' device']);
  const c = v.country;
  if (c)
    list.push([
      'country',
      <>
        <Flag c={c} /> {c.code}
      </>,
      c.name,
    ]);
  return (
    <span class="badges">
      {list.map(([cls, text, title]) => (
        <span key={cls} class={'badge badge-' + cls} title={title}>
          {text}
        </span>
      ))}
    </span>
  );
}
