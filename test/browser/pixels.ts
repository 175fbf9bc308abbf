import type { Page } from 'playwright-core';

/**
 * Whether what is drawn at `at` stands out from what is drawn at `beside` (any channel more than
 * 96 apart), read from a screenshot: drawn pixels, not computed styles (how getComputedStyle reports colours under forced colours differs between Chromium versions).
 */
export async function shownAt(
  page: Page,
  at: { x: number; y: number },
  beside: { x: number; y: number },
) {
  const x = Math.floor(Math.min(at.x, beside.x)) - 1;
  const y = Math.floor(Math.min(at.y, beside.y)) - 1;
  const clip = {
    x,
    y,
    width: Math.ceil(Math.abs(at.x - beside.x)) + 3,
    height: Math.ceil(Math.abs(at.y - beside.y)) + 3,
  };
  const png = await page.screenshot({ clip, animations: 'disabled' });
  return page.evaluate(
    async ({ b64, clip, at, beside }) => {
      const img = new Image();
      img.src = 'data:image/png;base64,' + b64;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const g = canvas.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const k = img.width / clip.width;
      const px = (p: { x: number; y: number }) =>
        g.getImageData(Math.floor((p.x - clip.x) * k), Math.floor((p.y - clip.y) * k), 1, 1).data;
      const a = px(at);
      const b = px(beside);
      return [0, 1, 2].some((i) => Math.abs(a[i] - b[i]) > 96);
    },
    { b64: png.toString('base64'), clip, at, beside },
  );
}
