import { describe, expect, it } from 'vitest';
import { newRunId } from '../../src/pipeline/run-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newRunId', () => {
  it('is a version 7 UUID that carries its millisecond', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const id = newRunId(at);
    expect(id).toMatch(UUID);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts as text in the order the runs were made, so the store writes the newest runs together', () => {
    const start = Date.now();
    const ids = Array.from({ length: 200 }, (_, i) => newRunId(start + i));
    expect([...ids].sort()).toEqual(ids);
  });

  it('differs between runs made in the same millisecond', () => {
    const at = Date.now();
    const ids = new Set(Array.from({ length: 1000 }, () => newRunId(at)));
    expect(ids.size).toBe(1000);
  });
});
