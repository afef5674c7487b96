import { describe, expect, it } from 'vitest';
import { isoTime } from '../src/pipeline/iso-time.js';

describe('isoTime', () => {
  it('is toISOString, for the same millisecond again and for the next one', () => {
    const instants = [0, 1, 1, 1_764_547_200_000, 1_764_547_200_000, 1_764_547_200_001, -1, 8.64e15, 1];
    for (const ms of instants) expect(isoTime(new Date(ms))).toBe(new Date(ms).toISOString());
  });

  it('still throws for an invalid date, as toISOString does', () => {
    isoTime(new Date(5));
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => isoTime(new Date('not a date'))).toThrow(RangeError);
    expect(isoTime(new Date(5))).toBe(new Date(5).toISOString());
  });
});
