/**
 * The visitor's country from its address, with MaxMind's GeoLite2 data as the `geoip-country`
 * package ships it (README: attribution). Addresses that say nothing about where someone is
 * (loopback, private, link-local, unique-local, unspecified) are unknown, not an error.
 */
import { createRequire } from 'node:module';
import { BlockList, isIP } from 'node:net';
import { plainAddress } from './client-address';

/** A country as the agent API carries it (docs/AGENT-API.md). */
export interface Country {
  /** ISO 3166-1 alpha-2, upper case. */
  code: string;
  /** English name. */
  name: string;
}

const geoip = createRequire(import.meta.url)('geoip-country') as {
  lookup(ip: string): { country?: string } | null;
};

const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** Ranges that never locate anyone. */
const LOCAL = new BlockList();
for (const [a, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  LOCAL.addSubnet(a, bits, 'ipv4');
for (const [a, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  LOCAL.addSubnet(a, bits, 'ipv6');

/** Whether an address is loopback, private, shared, link-local or unique-local. */
export function isLocalAddress(address: string): boolean {
  const a = plainAddress(address);
  const kind = isIP(a);
  return kind != 0 && LOCAL.check(a, kind == 6 ? 'ipv6' : 'ipv4');
}

/** A stored country code as the agent API carries it; null when unknown or not a code. */
export function countryRef(code: string | null | undefined): Country | null {
  if (!code || !/^[A-Z]{2}$/.test(code)) return null;
  return { code, name: names.of(code) ?? code };
}

/** The country of an address; null when unknown (local, not an address, or not in the data). */
export function countryOf(address: string | undefined): Country | null {
  if (!address) return null;
  const a = plainAddress(address);
  if (!isIP(a) || isLocalAddress(a)) return null;
  return countryRef(geoip.lookup(a)?.country);
}
