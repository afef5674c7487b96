import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { CONSOLE_CSP, useConsole } from '../../src/http/use-console.js';
import { createTestApp } from '../helpers/test-app.js';

const RUN_ID = '0b3c1b1e-8a7e-4b53-9d0e-2a3e8f7c9d10';
const INDEX =
  '<!doctype html><title>console</title><script type="module" src="/console/assets/index-AbC123.js"></script>';

/** A built console in a temporary directory, served by the plugin alone. */
function consoleServer(files: Record<string, string> | null) {
  // a file beside the console directory, which no path may reach
  const parent = mkdtempSync(join(tmpdir(), 'console-'));
  writeFileSync(join(parent, 'secret.txt'), 'not for the web');
  const dir = join(parent, 'console');
  mkdirSync(dir);
  if (files) {
    mkdirSync(join(dir, 'assets'));
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  }
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }),
    plugins: [useConsole({ dir })],
    logging: false,
  });
  return (path: string, init?: RequestInit) => Promise.resolve(yoga.fetch(new URL(path, 'http://test'), init ?? {}));
}

const BUILT = {
  'index.html': INDEX,
  'assets/index-AbC123.js': 'console.log("console")',
  'assets/index-XyZ789.css': 'body{}',
  'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
};

describe('the console page: /console and every view under it', () => {
  it('answers index.html for /console, a run link and a view with its query, revalidated on each load', async () => {
    const get = consoleServer(BUILT);
    for (const path of [
      '/console',
      '/console/',
      `/console/runs/${RUN_ID}`,
      '/console/status?minutes=15',
      '/console/try',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('sends a CSP that allows nothing off-host and nothing inline, and no framing', async () => {
    const res = await consoleServer(BUILT)('/console');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(CONSOLE_CSP);
    for (const directive of [
      "default-src 'self'",
      "connect-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "frame-ancestors 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/https?:/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves hashed assets with a year-long immutable cache and their content type', async () => {
    const get = consoleServer(BUILT);
    const js = await get('/console/assets/index-AbC123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log("console")');
    const css = await get('/console/assets/index-XyZ789.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    // not hashed: revalidated
    expect((await get('/console/favicon.svg')).headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 404 for a missing asset (not the page, which a browser would run as a script) and for paths out of it', async () => {
    const get = consoleServer(BUILT);
    for (const path of [
      '/console/assets/index-gone.js',
      '/console/.env',
      '/console/assets/.hidden.js',
      '/console/..%2f..%2fpackage.json',
      `/console/%2e%2e/secret.txt`,
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('not for the web');
    }
  });

  it('/ redirects to /console', async () => {
    const res = await consoleServer(BUILT)('/', { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/console');
  });

  it('not built: 503 saying how to build it, instead of an empty page', async () => {
    const res = await consoleServer(null)('/console');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:console');
  });
});

describe('the console in the app', () => {
  it('is public with API keys configured (its GraphQL calls are not)', async () => {
    const t = await createTestApp({ env: { API_KEYS: 'desk:orchestrate:k-desk-123456' } });
    try {
      const page = await t.fetch('/console/status', { headers: { accept: 'text/html' } });
      expect(page.status).not.toBe(401);
      expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      const api = await t.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ viewer { name } }' }),
      });
      expect(api.status).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('CONSOLE=false: no /console, and / is not redirected', async () => {
    const t = await createTestApp({ env: { CONSOLE: 'false' } });
    try {
      expect((await t.fetch('/console')).status).toBe(404);
      expect((await t.fetch('/', { redirect: 'manual' })).status).not.toBe(302);
    } finally {
      await t.close();
    }
  });
});
