import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printServedSchema } from '../src/schema/print.js';

describe('the checked-in SDL', () => {
  it('is what the server serves (run `npm run schema:print` after a schema change)', () => {
    const checkedIn = readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
    expect(checkedIn, 'schema/schema.graphql is stale: run npm run schema:print').toBe(printServedSchema());
  });

  it('carries the @defer and @stream directives clients may use', () => {
    const sdl = printServedSchema();
    expect(sdl).toContain('directive @defer');
    expect(sdl).toContain('directive @stream');
  });
});
