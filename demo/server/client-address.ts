/**
 * The visitor's address: the connection's peer, or an address from `X-Forwarded-For` when the
 * peer is a proxy we were told to trust (`TRUST_PROXY`). Anyone can send the header, so without
 * that setting it is never read: a spoofed header must not choose the visitor's country.
 */
import { BlockList, isIP } from 'node:net';

/** How far `X-Forwarded-For` is believed: a number of proxy hops, or the proxies' addresses. */
export type TrustProxy = { hops: number } | { proxies: BlockList };

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) as `1.2.3.4`; other text unchanged. */
export function plainAddress(a: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return m ? m[1]! : a;
}

const family = (a: string) => (isIP(a) == 6 ? 'ipv6' : 'ipv4');

/**
 * Parses `TRUST_PROXY`: unset or empty = undefined (the header is never believed); a whole
 * number of hops (1 to 10); or a comma list of proxy addresses or subnets (`10.0.0.0/8`,
 * `::1`). Throws an error that names the setting and the bad part.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops < 1 || hops > 10)
      throw new Error(`TRUST_PROXY must be a hop count from 1 to 10, not ${text}`);
    return { hops };
  }
  const proxies = new BlockList();
  for (const part of text.split(',')) {
    const item = part.trim();
    const [addr = '', bits, extra] = item.split('/');
    const kind = isIP(addr);
    const prefix = Number(bits);
    const okBits =
      bits === undefined || (/^\d+$/.test(bits) && prefix >= 0 && prefix <= (kind == 6 ? 128 : 32));
    if (!kind || !okBits || extra !== undefined)
      throw new Error(
        `TRUST_PROXY must be a hop count or a comma list of proxy addresses or subnets (10.0.0.1, 10.0.0.0/8, ::1), not ${JSON.stringify(item)}`,
      );
    if (bits === undefined) proxies.addAddress(plainAddress(addr), family(addr));
    else proxies.addSubnet(plainAddress(addr), prefix, family(addr));
  }
  return { proxies };
}

/**
 * The client's address for a request from `peer` carrying `forwardedFor` (the header, possibly
 * repeated): the peer itself unless `trust` says the header's entries may be believed, walking it
 * from the right (the entry the nearest proxy added) over the trusted hops. An entry that is not
 * an address ends the walk at the last address reached. Undefined when the peer is unknown.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trust: TrustProxy | undefined,
): string | undefined {
  if (!peer) return undefined;
  let at = plainAddress(peer);
  if (!trust || forwardedFor === undefined) return at;
  const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((s) => plainAddress(s.trim()))
    .filter(Boolean)
    .reverse();
  for (let i = 0; i < chain.length; i++) {
    const believed = 'hops' in trust ? i < trust.hops : trust.proxies.check(at, family(at));
    if (!believed || !isIP(chain[i]!)) break;
    at = chain[i]!;
  }
  return at;
}

/**
 * The scheme the client used, `https` or `http`, from `X-Forwarded-Proto` (its first value, as
 * the proxy nearest the client set it) when `trust` says the peer is a proxy we believe;
 * undefined otherwise (the caller's own scheme then: this server speaks plain HTTP).
 */
export function forwardedProto(
  peer: string | undefined,
  header: string | string[] | undefined,
  trust: TrustProxy | undefined,
): 'https' | 'http' | undefined {
  if (!trust || !peer || header === undefined) return undefined;
  const at = plainAddress(peer);
  if ('proxies' in trust && !trust.proxies.check(at, family(at))) return undefined;
  const first = String(header).split(',')[0]!.trim().toLowerCase();
  return first == 'https' || first == 'http' ? first : undefined;
}

/** What a hello is told about its request: the user agent and the client's address. */
export const requestSource = (
  req: {
    headers: Record<string, string | string[] | undefined>;
    socket: { remoteAddress?: string };
  },
  trust: TrustProxy | undefined,
) => ({
  userAgent: req.headers['user-agent'] as string | undefined,
  address: clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trust),
});
