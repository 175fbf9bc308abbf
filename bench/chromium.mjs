// Finds and launches headless Chromium the way test/browser/harness.ts does (system Chromium,
// `CHROME_PATH` first; `npx playwright install` is never used).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** `CHROME_PATH` if set (it must exist), else the usual Debian paths, else undefined. */
export function findChromium() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  return CANDIDATES.find((p) => existsSync(p));
}

/** Launches headless Chromium with the flags this machine needs. */
export async function launchChromium() {
  const executablePath = findChromium();
  if (!executablePath)
    throw new Error('no Chromium found (apt-get install chromium, or set CHROME_PATH)');
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
