import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { createTestApp, listen, type TestApp } from '../helpers/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('GraphiQL in a real browser, on a closed network', () => {
  let t: TestApp;
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} not found: install it (apt-get install chromium), or set ALLOW_MISSING_SYSTEM_DEPS=1 to leave this suite out`,
      );
    t = await createTestApp();
    server = await listen(t.app);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // no network but loopback here: nothing may be fetched from a CDN
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
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close(0);
    await t?.sim.close();
  });

  it('opens with the example mutation, runs it, and shows the extraction and the deferred verdict', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const offsite: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:'))
        offsite.push(r.url());
    });
    await page.goto(`${server.url}/graphql`);
    await expect
      .poll(() => page.locator('.graphiql-tab').allInnerTexts(), { timeout: 15_000 })
      .toEqual(['Orchestrate', 'Progress']);
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window');
    // biome-ignore lint/performance/useDomNodeTextContent: the editor's rendered text is what a person reads
    await expect.poll(() => result.innerText(), { timeout: 15_000 }).toContain('nextSteps');
    // the result pane is a code editor: it renders spaces as no-break spaces
    // biome-ignore lint/performance/useDomNodeTextContent: as above
    const text = (await result.innerText()).replace(/\u00a0/g, ' ');
    expect(text).toContain('modify_flight');
    expect(text).toContain('"isValid": true');
    expect(t.sim.stats.callsByModel).toEqual({ 'sim-extractor': 1, 'sim-specialist': 1 });
    expect(offsite).toEqual([]);
  }, 60_000);
});
