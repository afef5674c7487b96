import { describe, expect, it } from 'vitest';
import { interpolate } from '../../src/pipeline/definition/interpolate.js';
import { ref } from './fixtures.js';

describe(`\${VAR} interpolation`, () => {
  const env = { PRIMARY: 'acme-large', REGION: 'eu', BLANK: '   ' };

  it('leaves a string without references as it is, a lone $ included', () => {
    expect(interpolate('gpt-4o', env)).toEqual({ ok: true, value: 'gpt-4o' });
    expect(interpolate('model$1', env)).toEqual({ ok: true, value: 'model$1' });
  });

  it('replaces each reference with the variable from the environment given', () => {
    expect(interpolate(ref('PRIMARY'), env)).toEqual({ ok: true, value: 'acme-large' });
    expect(interpolate(`${ref('PRIMARY')}-${ref('REGION')}`, env)).toEqual({ ok: true, value: 'acme-large-eu' });
  });

  it('uses the default after :- when the variable is unset or blank', () => {
    expect(interpolate(ref('MISSING:-sim-extractor'), env)).toEqual({ ok: true, value: 'sim-extractor' });
    expect(interpolate(ref('BLANK:-sim-extractor'), env)).toEqual({ ok: true, value: 'sim-extractor' });
    expect(interpolate(ref('PRIMARY:-sim-extractor'), env)).toEqual({ ok: true, value: 'acme-large' });
  });

  it('says which variable is missing and how to give it a default', () => {
    expect(interpolate(`x-${ref('MISSING')}`, env)).toEqual({
      ok: false,
      problem: `${ref('MISSING')} is not set in the environment (set MISSING, or write ${ref('MISSING:-default')})`,
    });
    expect(interpolate(ref('BLANK'), env)).toMatchObject({ ok: false });
  });

  it('refuses a malformed reference rather than passing it on as a model id', () => {
    for (const bad of [`\${`, `\${PRIMARY`, `\${1ABC}`, `\${A-B}`, `\${}`, `\${A:default}`]) {
      expect(interpolate(bad, env), bad).toMatchObject({ ok: false, problem: expect.stringMatching(/^malformed/) });
    }
  });

  it('reads only the object it is given', () => {
    expect(interpolate(ref('PATH'), {})).toMatchObject({ ok: false });
  });
});
