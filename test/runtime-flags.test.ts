import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serverNodeFlags } from '../bench/processes.js';

/**
 * The server's node flags live in package.json's start:prod; `npm start` and
 * the Docker image must start it the same way, or the benchmark (which reads
 * start:prod) measures a server nobody runs.
 */
describe('the node flags the server runs with', () => {
  const root = new URL('..', import.meta.url);
  const scripts = (
    JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const flags = serverNodeFlags();

  it('give V8 a larger young generation', () => {
    expect(flags).toContain('--max-semi-space-size=32');
  });

  it('are the same for npm start', () => {
    const m = /exec node((?: --\S+)*) --import tsx src\/server\.ts$/.exec(scripts.start ?? '');
    expect(m?.[1]?.trim().split(' ')).toEqual(flags);
  });

  it('are the same in the Docker image, where NODE_OPTIONS can still change them', () => {
    const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
    const m = /^\s+NODE_OPTIONS=(\S+(?: \S+)*?) \\$/m.exec(dockerfile);
    expect(m?.[1]?.split(' ')).toEqual(flags);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/server\.js"\]$/m);
  });
});
