import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { serveTestApp } from '../helpers/test-app.js';

describe('GraphiQL in a real browser, on a closed network', () => {
  const live = serveTestApp({}, 60_000);
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('opens with the example mutation, runs it, and shows the extraction and the deferred verdict', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const offsite: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(live.server.url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:'))
        offsite.push(r.url());
    });
    await page.goto(`${live.server.url}/graphql`);
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
    expect(live.t.sim.stats.callsByModel).toEqual({ 'sim-extractor': 1, 'sim-specialist': 1 });
    expect(offsite).toEqual([]);
  }, 60_000);
});
