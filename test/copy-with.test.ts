import { describe, expect, it } from 'vitest';
import { copyWith } from '../src/copy-with.js';

describe('copyWith', () => {
  it('is { ...source, ...extra }: the same keys in the same order, extra winning in place, source untouched', () => {
    const source = { stage: 'EXTRACTED', key: 'old', at: 'now', running: null, nothing: undefined };
    const copy = copyWith(source, { key: 'new', added: 1 });
    expect(copy).toEqual({ ...source, key: 'new', added: 1 });
    expect(Object.keys(copy)).toEqual(Object.keys({ ...source, key: 'new', added: 1 }));
    expect(JSON.stringify(copy)).toBe('{"stage":"EXTRACTED","key":"new","at":"now","running":null,"added":1}');
    expect(source.key).toBe('old');
    expect(copy).not.toBe(source);
  });
});
