import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console: a static single-page app served by the server under /console
 * (src/http/use-console.ts). Everything it needs is bundled; nothing is
 * fetched from a CDN, so it works on a closed network.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // Preact's JSX runtime, not React's
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // hashed names under assets/: served with a year-long immutable cache
    assetsDir: 'assets',
    // inlined assets would be data: URLs the CSP does not allow for scripts and styles
    assetsInlineLimit: 0,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run console:dev`: the page from vite, the API from a server on :4000. The Host header is kept,
    // so the server sees the page as same-origin (no CORS_ORIGINS needed).
    proxy: { '/graphql': { target: 'http://127.0.0.1:4000', changeOrigin: false } },
  },
});
