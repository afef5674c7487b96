import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium, or the one CHROMIUM_PATH names. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches the system chromium headless, for a machine with no network but loopback. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: install it (apt-get install chromium), or set ALLOW_MISSING_SYSTEM_DEPS=1 to leave the browser suites out`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    // no network but loopback here: nothing may be fetched from a CDN, nor tried in the background
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
