import type { HelloFrame } from '../../src/protocol';

/** A `hello` of visitor `vid` (with its `token` when given), as a transport test sends it. */
export const helloFrame = (vid = 'V', token?: string): HelloFrame => ({
  t: 'hello',
  v: 1,
  key: 'demo',
  vid,
  ...(token ? { token } : {}),
  visits: 1,
  firstSeenAt: 0,
  page: { url: 'http://site/', title: '', referrer: '' },
  device: 'desktop',
  lang: 'en',
  activeAt: 0,
});
