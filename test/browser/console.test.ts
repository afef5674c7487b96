import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { serveTestApp } from '../helpers/test-app.js';

/** Screenshots of each view, for a person to look at (README's are copies of these). */
const SHOTS = new URL('../../test-output/console/', import.meta.url);
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TEXT = 'I need to change my flight to next Tuesday and update my seat to 14A';

/** A page that records what a person would not want: requests off this host and errors in its console. */
interface Watched {
  page: Page;
  offsite: string[];
  errors: string[];
  /** every /graphql request's Authorization header (null when none) */
  auth: Array<string | null>;
}

async function openPage(browser: Browser, base: string): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const w: Watched = { page, offsite: [], errors: [], auth: [] };
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:')) w.offsite.push(url);
    if (new URL(url).pathname === '/graphql') w.auth.push(r.headers().authorization ?? null);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(m.text());
  });
  page.on('pageerror', (e) => w.errors.push(e.message));
  return w;
}

/** axe-core's serious and critical findings (CDP evaluation is not subject to the page's CSP). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: AxeViolation[] }> } }).axe;
    interface AxeViolation {
      id: string;
      impact: string | null;
      help: string;
      nodes: Array<{ target: unknown[] }>;
    }
    const result = await axe.run(document);
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}, ${v.nodes} nodes): ${v.help}`);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
}

/** What every view must be: nothing fetched off-host, no console errors, nothing serious for axe. */
async function expectClean(w: Watched): Promise<void> {
  expect(w.offsite, 'requests that left the host').toEqual([]);
  expect(w.errors, 'errors in the browser console').toEqual([]);
  expect(await seriousViolations(w.page), 'serious accessibility violations').toEqual([]);
}

async function gqlOver(url: string, query: string, variables: object = {}, key?: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as {
    data?: Record<string, { id: string; stage: string; nodes?: unknown[] }>;
    errors?: unknown[];
  };
}

const RUN_BOTH = `mutation($text: String!) { orchestrate(input: { text: $text }) { id stage specialization { isValid } } }`;

async function subscriptionsOpen(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^orchestrator_subscriptions_open (\d+)/m.exec(text)?.[1] ?? 0);
}

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  // the console the server serves is the one in web/: built here when missing or older than its sources
  const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-console.ts', '--if-stale'], {
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`console build failed:\n${built.stdout}${built.stderr}`);
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('the console on an open server', () => {
  const live = serveTestApp({}, 30_000);

  it('/ leads to the console, whose runs table shows a run another client starts, live, up to COMPLETE', async () => {
    const w = await openPage(browser, live.server.url);
    const { page } = w;
    await page.goto(live.server.url);
    expect(new URL(page.url()).pathname).toBe('/console');
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 }).toBe('Live');
    // the page's SSE subscription is open on the server before the other client starts its run
    await expect.poll(() => subscriptionsOpen(live.server.url), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    live.t.sim.setLatency(300);
    const text = `Move my flight to next Tuesday, seat 14A (live ${Date.now()})`;
    const started = gqlOver(live.server.url, RUN_BOTH, { text });
    const row = page.locator('tr', { hasText: text });
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    const badge = row.locator('[data-stage]');
    await expect.poll(() => badge.getAttribute('data-stage'), { timeout: 20_000 }).toBe('COMPLETE');
    const id = (await started).data?.orchestrate?.id;
    expect(await row.getAttribute('data-run-id')).toBe(id);
    // the models and tokens come with the run's last events, without a reload
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('sim-specialist');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    live.t.sim.setLatency(0);

    await expectClean(w);
    await page.close();
  }, 90_000);

  it('a failed run stands out; its page shows both stages, the retries with their reasons, the code; Resume completes it', async () => {
    const ok = await gqlOver(live.server.url, RUN_BOTH, { text: TEXT });
    expect(ok.data?.orchestrate?.stage).toBe('COMPLETE');
    // every attempt of the domain model answers 503: GATEWAY_UNAVAILABLE after 3 attempts, retryable
    live.t.sim.fault({ kind: 'status', status: 503, model: 'sim-specialist', times: 3 });
    const failed = await gqlOver(live.server.url, RUN_BOTH, { text: `${TEXT} (will fail)` });
    const failedId = failed.data?.orchestrate?.id as string;
    expect(failedId).toMatch(/^[0-9a-f-]{36}$/);

    const w = await openPage(browser, live.server.url);
    const { page } = w;
    await page.goto(`${live.server.url}/console`);
    const failedRow = page.locator(`tr[data-run-id="${failedId}"]`);
    await expect.poll(() => failedRow.getAttribute('class'), { timeout: 15_000 }).toBe('failed');
    expect(await failedRow.textContent()).toContain('GATEWAY_UNAVAILABLE');
    await shot(page, 'runs');
    await expectClean(w);

    // the link a person pastes into a ticket
    await page.goto(`${live.server.url}/console/runs/${ok.data?.orchestrate?.id}`);
    await expect.poll(() => page.locator('[data-step]').count(), { timeout: 15_000 }).toBe(2);
    expect(
      await page.locator('[data-step]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-step'))),
    ).toEqual(['extraction', 'specialization']);
    const detail = (await page.locator('main').textContent()) ?? '';
    expect(detail).toContain('modify_flight');
    expect(detail).toContain('Valid');
    expect(detail).toContain('sim-extractor');
    await shot(page, 'run-detail');
    await expectClean(w);

    await page.goto(`${live.server.url}/console/runs/${failedId}`);
    const alert = page.locator('.run-error');
    await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toContain('GATEWAY_UNAVAILABLE');
    expect(await alert.textContent()).toContain('retryable');
    expect(await page.locator('.attempt-row.kind-retry').count()).toBe(2);
    expect(await page.locator('.attempt-row.kind-retry .reason').first().textContent()).toMatch(/503/);
    await shot(page, 'run-failed');
    await expectClean(w);

    await page.getByRole('button', { name: 'Resume' }).click();
    const heading = page.locator('.heading [data-stage]');
    await expect.poll(() => heading.getAttribute('data-stage'), { timeout: 20_000 }).toBe('COMPLETE');
    await expect.poll(() => page.locator('.verdict').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('.run-error').count()).toBe(0);
    expect(w.errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('"Try it" shows the entities before the verdict, with the progress beside them', async () => {
    const w = await openPage(browser, live.server.url);
    const { page } = w;
    await page.goto(`${live.server.url}/console/try`);
    await page.getByLabel("Customer's words").fill(TEXT);
    // a slow domain model: the verdict comes well after the entities
    live.t.sim.fault({ kind: 'slow', ms: 2500, model: 'sim-specialist' });
    // the parts as the page renders them: one entry per render that brought new ones ("entities+verdict" if together)
    await page.evaluate(() => {
      const seen = new Set<string>();
      const arrivals: string[] = [];
      (window as unknown as { arrivals: string[] }).arrivals = arrivals;
      new MutationObserver(() => {
        const fresh = [...document.querySelectorAll('[data-arrived]')]
          .map((el) => el.getAttribute('data-arrived') as string)
          .filter((part) => !seen.has(part));
        for (const part of fresh) seen.add(part);
        if (fresh.length) arrivals.push(fresh.join('+'));
      }).observe(document.body, { childList: true, subtree: true });
    });
    await page.getByRole('button', { name: 'Run' }).click();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { arrivals: string[] }).arrivals), { timeout: 20_000 })
      .toEqual(['entities', 'verdict']);
    const results = (await page.locator('.desk').textContent()) ?? '';
    expect(results).toContain('modify_flight');
    expect(results).toContain('14A');
    await expect.poll(() => page.locator('.desk-progress').textContent(), { timeout: 15_000 }).toContain('COMPLETE');
    await shot(page, 'try-it');
    await expectClean(w);
    await page.close();
  }, 60_000);

  it('Health charts circuits, runs, failures by code, stage latency and tokens per model from `stats`', async () => {
    live.t.sim.fault({ kind: 'status', status: 503, model: 'sim-specialist', times: 3 });
    const failed = await gqlOver(live.server.url, RUN_BOTH, { text: `${TEXT} (fails, stays failed)` });
    expect(failed.data?.orchestrate?.stage).toBe('FAILED');
    const w = await openPage(browser, live.server.url);
    const { page } = w;
    await page.goto(`${live.server.url}/console/status`);
    await expect.poll(() => page.locator('canvas').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('GATEWAY_UNAVAILABLE');
    expect(text).toContain('sim-extractor');
    expect(text).toContain('sim-specialist');
    expect(await page.locator('.circuit-closed').count()).toBeGreaterThanOrEqual(2);
    await shot(page, 'health');
    await expectClean(w);
    await page.close();
  }, 60_000);
});

describe('the console on a server with API keys', () => {
  const KEYS = { desk: 'desk-key-0123456789', wall: 'wall-key-0123456789' };
  const live = serveTestApp({ env: { API_KEYS: `desk:orchestrate:${KEYS.desk},wall:read:${KEYS.wall}` } }, 30_000);

  it('without a key shows no data; a read key sees runs, on every request, and cannot start or resume one', async () => {
    const run = await gqlOver(live.server.url, RUN_BOTH, { text: 'Refund my flight (keyed)' }, KEYS.desk);
    expect(run.data?.orchestrate?.stage).toBe('COMPLETE');

    const w = await openPage(browser, live.server.url);
    const { page } = w;
    await page.goto(`${live.server.url}/console`);
    await expect.poll(() => page.getByLabel('Key').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('table').count()).toBe(0);
    expect((await page.locator('main').textContent()) ?? '').not.toContain('(keyed)');
    await shot(page, 'key-prompt');
    // the browser logs the 401 it was answered; nothing else may go wrong
    expect(w.errors.filter((e) => !/401/.test(e))).toEqual([]);
    w.errors.length = 0;

    await page.getByLabel('Key').fill('not-a-key');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('refused');
    w.errors.length = 0;

    await page.getByLabel('Key').fill(KEYS.wall);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await expect.poll(() => page.locator('tr', { hasText: '(keyed)' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('header').textContent()).toContain('read only');
    // the key is the tab's: in sessionStorage, and on every request since it was given (SSE included)
    const sent = w.auth.slice(w.auth.indexOf(`Bearer ${KEYS.wall}`));
    expect(sent.length, 'the viewer, the page of runs and the events subscription').toBeGreaterThanOrEqual(3);
    expect(new Set(sent)).toEqual(new Set([`Bearer ${KEYS.wall}`]));
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([KEYS.wall]);
    expect(await page.evaluate(() => Object.values(localStorage))).toEqual([]);

    await page.getByRole('link', { name: 'Try it' }).click();
    const runButton = page.getByRole('button', { name: 'Run' });
    await expect.poll(() => runButton.isDisabled(), { timeout: 15_000 }).toBe(true);
    expect(await page.locator('main').textContent()).toContain('read role');
    await expectClean(w);

    // no run was started by the page: only the desk's
    const listed = await gqlOver(live.server.url, '{ runs(first: 10) { nodes { id } } }', {}, KEYS.wall);
    expect(listed.data?.runs?.nodes).toHaveLength(1);
    await page.close();
  }, 90_000);

  it('a read key sees a retryable failure without a Resume button', async () => {
    live.t.sim.fault({ kind: 'status', status: 503, model: 'sim-specialist', times: 3 });
    const failed = await gqlOver(live.server.url, RUN_BOTH, { text: `${TEXT} (keyed, failing)` }, KEYS.desk);
    const id = failed.data?.orchestrate?.id as string;
    const w = await openPage(browser, live.server.url);
    const { page } = w;
    await page.goto(`${live.server.url}/console`);
    await page.getByLabel('Key').fill(KEYS.wall);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.goto(`${live.server.url}/console/runs/${id}`);
    await expect.poll(() => page.locator('.run-error').textContent(), { timeout: 15_000 }).toContain('retryable');
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    expect(await page.locator('.run-error').textContent()).toContain('may only read');
    await page.close();
  }, 60_000);
});
