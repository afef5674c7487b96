let lastMs = Number.NaN;
let lastIso = '';

/**
 * `date.toISOString()`, remembered for the last millisecond converted. A run
 * stamps its transitions, events and usage day several times, and under load
 * many runs do so within the same millisecond; each conversion costs about
 * 0.4 us (Node 20 and 24), a look at the clock 0.07. An invalid date still
 * throws: NaN is never the millisecond remembered.
 */
export function isoTime(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastMs) {
    lastIso = date.toISOString();
    lastMs = ms;
  }
  return lastIso;
}
