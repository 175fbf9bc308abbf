// Regenerates the agent page screenshots in docs/ from a real run: the reference server
// (dist/server.js, in-memory database), a few visitors over WebSockets (one chatting, one
// identified, one blocked), the agent page in headless Chromium at 1280 px (with a visitor's
// detail open) and at 390 px, and the Automations screen with an auto message in its form. Run after `npm run build`: `node scripts/agent-screenshots.mjs`.
import { WebSocket } from 'ws';
import { launchChromium } from '../bench/chromium.mjs';
import { AGENT_TOKEN, startReferenceServer } from '../bench/reference-server.mjs';

const PAGES = [
  ['https://shop.example/pricing', 'Pricing – Acme shop'],
  ['https://shop.example/products/42', 'Trail running shoes – Acme shop'],
  ['https://shop.example/', 'Acme shop'],
  ['https://shop.example/cart', 'Your cart – Acme shop'],
  ['https://shop.example/blog/sizing', 'How to pick your size – Acme blog'],
];

/** A visitor saying hello like the widget; resolves its socket once welcomed. */
function visitor(url, n, extra = {}) {
  const ws = new WebSocket(url.replace('http', 'ws') + '/v1/ws?key=demo');
  const [page, title] = PAGES[n % PAGES.length];
  return new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', () =>
      ws.send(
        JSON.stringify({
          t: 'hello',
          v: 1,
          key: 'demo',
          vid: 'shot' + n + Math.random().toString(36).slice(2, 10),
          visits: 1 + (n % 3),
          firstSeenAt: Date.now() - n * 3_600_000,
          page: { url: page, title, referrer: '' },
          device: n % 3 ? 'desktop' : 'mobile',
          lang: 'en',
          activeAt: Date.now(),
          ...extra,
        }),
      ),
    );
    ws.on('message', (d) => {
      const f = JSON.parse(String(d));
      if (f.t == 'welcome') resolve({ ws, vid: f.vid });
    });
  });
}

const server = await startReferenceServer();
const sockets = [];
let browser;
try {
  const ada = await visitor(server.url, 0, {
    profile: { name: 'Ada Lovelace', email: 'ada@example.com' },
  });
  sockets.push(ada.ws);
  ada.ws.send(
    JSON.stringify({ t: 'msg', cid: 'c1', text: 'Is there a discount for teams?', at: Date.now() }),
  );
  for (let n = 1; n < 9; n++) sockets.push((await visitor(server.url, n)).ws);
  const blocked = await visitor(server.url, 9);
  sockets.push(blocked.ws);
  await server.api(`/api/visitors/${blocked.vid}/block`, {});
  await new Promise((r) => setTimeout(r, 1500));

  browser = await launchChromium();
  for (const [file, width, height, open] of [
    ['docs/agent-page.png', 1280, 760, true],
    ['docs/agent-page-mobile.png', 390, 844, false],
  ]) {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.goto(server.url + '/agent#token=' + AGENT_TOKEN);
    await page.locator('.feed.live').waitFor();
    await page.locator(`.row[data-id="${ada.vid}"]`).waitFor();
    if (open) {
      await page.locator(`.row[data-id="${ada.vid}"]`).click();
      await page.locator('.messages', { hasText: 'discount' }).waitFor();
    }
    await page.screenshot({ path: file });
    console.log('wrote ' + file);
    await page.close();
  }

  // The Automations screen with the demo's pricing message open in its form.
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(server.url + '/agent#token=' + AGENT_TOKEN);
  await page.getByRole('button', { name: 'Automations' }).click();
  await page.getByRole('button', { name: 'Edit Pricing page, 20 s' }).click();
  await page.locator('.automation-form .condition').first().waitFor();
  await page.screenshot({ path: 'docs/agent-automations.png', fullPage: true });
  console.log('wrote docs/agent-automations.png');
  // The demo's bot in the flow editor, its preview one button into the flow.
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Edit Acme bot' }).click();
  const preview = page.getByRole('complementary', { name: 'Preview' });
  await preview.locator('.replies button').first().click();
  await page.screenshot({ path: 'docs/agent-automations-bot.png' });
  console.log('wrote docs/agent-automations-bot.png');
  await page.close();
} finally {
  await browser?.close();
  for (const ws of sockets) ws.terminate();
  await server.close();
}
