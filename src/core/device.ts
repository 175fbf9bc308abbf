import type { Device } from '../protocol';

/** desktop / mobile / tablet from the user agent (and touch points for iPadOS that claims to be a Mac). */
export function detectDevice(userAgent: string | undefined, maxTouchPoints = 0): Device {
  const ua = String(userAgent);
  // iPadOS 13+ Safari sends a Mac user agent; only the touch points tell it apart. Android
  // tablets drop "Mobile" from the user agent (Chrome's documented convention); Opera Mini
  // never sends it, even on phones. "Tablet PC" is a Windows desktop component, not a tablet.
  return /iPad|Tablet(?! PC)|PlayBook|Kindle|Silk/.test(ua) ||
    (/Android/.test(ua) && !/Mobi|Opera Mini/.test(ua)) ||
    (/Macintosh/.test(ua) && maxTouchPoints > 1)
    ? 'tablet'
    : /Mobi|iPhone|iPod|Android|BlackBerry|BB10|Opera Mini|Windows Phone|webOS/.test(ua)
      ? 'mobile'
      : 'desktop';
}
