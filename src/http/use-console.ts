import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Response as YogaResponse } from '@whatwg-node/fetch';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import { PATHS } from './paths.js';

/**
 * Nothing off-host, nothing inline: the console's own scripts, styles and
 * GraphQL calls only. `data:` images are Chart.js's canvas exports.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Where `npm run build:console` writes: `dist/console/`, two levels up from src/http/ and from dist/http/ alike. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names every file under assets/ by its content's hash: a new build is a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current assets: always revalidated, so a deploy is picked up on the next load. */
const REVALIDATE = 'no-cache';

/** segments of letters, digits, `.`, `_` and `-`, none starting with a dot (no `..`, no dotfiles) */
const SAFE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

export interface ConsoleOptions {
  /**
   * the built console (index.html and assets/)
   * @default CONSOLE_DIR
   */
  dir?: string;
  /**
   * where it is served; `/` redirects here
   * @default PATHS.console
   */
  path?: string;
  logger?: Logger;
}

/**
 * Serves the operations console: `GET /console` and any path under it that
 * is not a file answers index.html (the page routes on the client, so a link
 * to `/console/runs/<id>` pasted into a ticket opens that run), files under
 * it are the built assets, and `GET /` redirects to it. The page is public,
 * like GraphiQL's; every GraphQL call it makes carries the key it asks for.
 */
export function useConsole(o: ConsoleOptions = {}): Plugin {
  const dir = resolve(o.dir ?? CONSOLE_DIR);
  const base = o.path ?? PATHS.console;
  const assets = new Map<string, Uint8Array<ArrayBuffer>>();
  let warned = false;

  const respond = (status: number, body: BodyInit | null, type: string, cache: string, head: boolean) =>
    new YogaResponse(head ? null : body, {
      status,
      headers: {
        'content-type': type,
        'cache-control': cache,
        'content-security-policy': CONSOLE_CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
    });

  const read = async (relative: string): Promise<Uint8Array<ArrayBuffer> | undefined> => {
    const file = resolve(dir, relative);
    if (!file.startsWith(dir + sep)) return undefined;
    try {
      return new Uint8Array(await readFile(file));
    } catch {
      return undefined;
    }
  };

  const indexPage = async (head: boolean): Promise<Response> => {
    const html = await read('index.html');
    if (html) return respond(200, html, TYPES['.html'] as string, REVALIDATE, head);
    if (!warned) {
      warned = true;
      o.logger?.warn({ dir }, 'the console is not built: run npm run build:console (npm start builds it)');
    }
    const message = 'The console is not built: run `npm run build:console` (npm start builds it when missing).\n';
    return respond(503, message, 'text/plain; charset=utf-8', 'no-store', head);
  };

  /** a path under the console (`rest`: after its base and slash): the page, an asset, or 404 */
  const serve = async (rest: string, head: boolean): Promise<Response> => {
    // a client route (`runs/<id>`, `health`; run ids are UUIDs): the page itself. A file has an extension.
    const isFile = /\.[A-Za-z0-9]+$/.test(rest);
    if (!isFile) return indexPage(head);
    if (!SAFE_PATH.test(rest)) return notFound(head);
    if (rest === 'index.html') return indexPage(head);
    let body = assets.get(rest);
    if (!body) {
      body = await read(rest);
      if (!body) return notFound(head);
      if (rest.startsWith('assets/')) assets.set(rest, body);
    }
    const type = TYPES[extname(rest)] ?? 'application/octet-stream';
    return respond(200, body, type, rest.startsWith('assets/') ? IMMUTABLE : REVALIDATE, head);
  };

  return {
    // synchronous for every other request: an async hook makes each request wait a microtask turn for nothing
    onRequest({ request, url, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const head = request.method === 'HEAD';
      const path = url.pathname;
      if (path === '/') {
        return endResponse(new YogaResponse(null, { status: 302, headers: { location: base } }));
      }
      if (path !== base && !path.startsWith(`${base}/`)) return;
      return serve(path.slice(base.length + 1), head).then(endResponse);
    },
  };
}

function notFound(head: boolean): Response {
  return new YogaResponse(head ? null : 'Not found\n', {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  });
}
