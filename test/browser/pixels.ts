import type { Page } from 'playwright-core';

type Box = { x: number; y: number; width: number; height: number };
type Point = { x: number; y: number };

/**
 * What is drawn in `clip` (CSS px of the page), read from a screenshot: a function from a point
 * of the page to its pixel's [r, g, b] (`round` maps screenshot coordinates to whole pixels).
 * Drawn pixels, not computed styles: how getComputedStyle reports colours under forced colours
 * differs between Chromium versions, what is drawn does not.
 */
export async function drawn(page: Page, clip: Box, round: (n: number) => number = Math.floor) {
  const png = await page.screenshot({ clip, animations: 'disabled' });
  // Decoded from bytes, not loaded from a `data:` URL: the page's CSP may refuse those images
  // (the agent page's `img-src 'self' blob:`), and a bitmap is no image load.
  const { width, data } = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const img = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const g = canvas.getContext('2d')!;
    g.drawImage(img, 0, 0);
    return { width: img.width, data: Array.from(g.getImageData(0, 0, img.width, img.height).data) };
  }, png.toString('base64'));
  // Screenshot pixels per CSS pixel (1 unless the page is zoomed).
  const k = width / clip.width;
  return (p: Point) => {
    const i = (round((p.y - clip.y) * k) * width + round((p.x - clip.x) * k)) * 4;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
}

/** Whether two pixels differ (any channel more than 96 apart). */
export const differ = (a: number[], b: number[]) =>
  [0, 1, 2].some((i) => Math.abs(a[i]! - b[i]!) > 96);

/** Whether what is drawn at `at` stands out from what is drawn at `beside`. */
export async function shownAt(page: Page, at: Point, beside: Point) {
  const clip = {
    x: Math.floor(Math.min(at.x, beside.x)) - 1,
    y: Math.floor(Math.min(at.y, beside.y)) - 1,
    width: Math.ceil(Math.abs(at.x - beside.x)) + 3,
    height: Math.ceil(Math.abs(at.y - beside.y)) + 3,
  };
  const px = await drawn(page, clip);
  return differ(px(at), px(beside));
}
