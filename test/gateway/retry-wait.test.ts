import { describe, expect, it } from 'vitest';
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  backoffDelayMs,
  MAX_SERVER_WAIT_MS,
  serverRetryDelayMs,
} from '../../src/gateway/retry-policy.js';
import { extractionCall, useGateways, useSimulator } from './fixture.js';

/** docs/api.md "Call policy": how long a retry waits. */

const headers =
  (h: Record<string, string>) =>
  (name: string): string | undefined =>
    h[name];

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('the wait a server asks for (serverRetryDelayMs)', () => {
  it('reads Retry-After in seconds, whole or fractional', () => {
    expect(serverRetryDelayMs(headers({ 'retry-after': '2' }), NOW)).toBe(2000);
    expect(serverRetryDelayMs(headers({ 'retry-after': ' 0.25 ' }), NOW)).toBe(250);
    expect(serverRetryDelayMs(headers({ 'retry-after': '0' }), NOW)).toBe(0);
  });

  it('reads Retry-After as an HTTP date, relative to now', () => {
    const in7s = new Date(NOW + 7000).toUTCString();
    expect(in7s).toBe('Sun, 01 Mar 2026 12:00:07 GMT');
    expect(serverRetryDelayMs(headers({ 'retry-after': in7s }), NOW)).toBe(7000);
    // the obsolete RFC 850 form, which HTTP recipients must still accept
    expect(serverRetryDelayMs(headers({ 'retry-after': 'Sunday, 01-Mar-26 12:00:07 GMT' }), NOW)).toBe(7000);
  });

  it('treats an HTTP date in the past as "now"', () => {
    const past = new Date(NOW - 5000).toUTCString();
    expect(serverRetryDelayMs(headers({ 'retry-after': past }), NOW)).toBe(0);
  });

  it('reads retry-after-ms, and prefers it to Retry-After', () => {
    expect(serverRetryDelayMs(headers({ 'retry-after-ms': '150' }), NOW)).toBe(150);
    expect(serverRetryDelayMs(headers({ 'retry-after-ms': '150', 'retry-after': '9' }), NOW)).toBe(150);
  });

  it('asks for nothing when there is no header or it is not a wait', () => {
    expect(serverRetryDelayMs(headers({}), NOW)).toBeUndefined();
    expect(serverRetryDelayMs(headers({ 'retry-after': 'soon' }), NOW)).toBeUndefined();
    // junk that Date.parse would take for a date in 2001, i.e. "retry at once"
    expect(serverRetryDelayMs(headers({ 'retry-after': '-3' }), NOW)).toBeUndefined();
    expect(serverRetryDelayMs(headers({ 'retry-after': 'in 5' }), NOW)).toBeUndefined();
    expect(serverRetryDelayMs(headers({ 'retry-after-ms': 'abc' }), NOW)).toBeUndefined();
  });

  it('ignores a wait over 60 s (the backoff applies instead), and keeps exactly 60 s', () => {
    expect(MAX_SERVER_WAIT_MS).toBe(60_000);
    expect(serverRetryDelayMs(headers({ 'retry-after': '60' }), NOW)).toBe(60_000);
    expect(serverRetryDelayMs(headers({ 'retry-after': '61' }), NOW)).toBeUndefined();
    expect(serverRetryDelayMs(headers({ 'retry-after-ms': '60001' }), NOW)).toBeUndefined();
    const in2min = new Date(NOW + 120_000).toUTCString();
    expect(serverRetryDelayMs(headers({ 'retry-after': in2min }), NOW)).toBeUndefined();
  });
});

describe('the backoff (backoffDelayMs): full jitter, base 500 ms, cap 8 s', () => {
  const justBelowOne = () => 1 - Number.EPSILON;

  it('is uniform from 0 to base * 2^(retry-1)', () => {
    expect(BACKOFF_BASE_MS).toBe(500);
    expect(backoffDelayMs(1, () => 0)).toBe(0);
    expect(backoffDelayMs(1, () => 0.5)).toBe(250);
    expect(backoffDelayMs(1, justBelowOne)).toBe(499);
    expect(backoffDelayMs(2, justBelowOne)).toBe(999);
    expect(backoffDelayMs(3, justBelowOne)).toBe(1999);
    expect(backoffDelayMs(4, () => 0.5)).toBe(2000);
  });

  it('never exceeds the 8 s cap however many retries', () => {
    expect(BACKOFF_CAP_MS).toBe(8000);
    expect(backoffDelayMs(5, justBelowOne)).toBe(7999);
    expect(backoffDelayMs(6, justBelowOne)).toBe(7999);
    expect(backoffDelayMs(50, justBelowOne)).toBe(7999);
    expect(backoffDelayMs(50, () => 0.5)).toBe(4000);
  });

  it('stays within bounds with Math.random', () => {
    for (let retry = 1; retry <= 10; retry++) {
      const ceiling = Math.min(8000, 500 * 2 ** (retry - 1));
      for (let i = 0; i < 200; i++) {
        const ms = backoffDelayMs(retry);
        expect(Number.isInteger(ms) && ms >= 0 && ms < ceiling, `retry ${retry}: ${ms} ms`).toBe(true);
      }
    }
  });
});

describe('a retry after a 429', () => {
  const sim = useSimulator();
  const gateway = useGateways(sim);

  async function timedCall(random: () => number) {
    const gw = gateway({}, { random });
    const call = extractionCall();
    const started = performance.now();
    const answer = await gw.gateway.complete(call);
    return { answer, elapsed: performance.now() - started, notices: call.notices };
  }

  it('waits the Retry-After seconds before trying again', async () => {
    sim.fault({ kind: 'status', status: 429, retryAfter: '1' });

    const { answer, elapsed, notices } = await timedCall(() => 0);

    expect(notices[1]?.waitMs).toBe(1000);
    expect(elapsed, 'the retry went after the 1 s asked for').toBeGreaterThanOrEqual(990);
    expect(elapsed, 'and not much later').toBeLessThan(5000);
    expect(answer.attempts).toBe(2);
  });

  it('waits the retry-after-ms before trying again', async () => {
    sim.fault({ kind: 'status', status: 429, retryAfterMs: 300 });

    const { elapsed, notices } = await timedCall(() => 0);

    expect(notices[1]?.waitMs).toBe(300);
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(5000);
  });

  it('ignores a Retry-After over 60 s and uses the backoff', async () => {
    sim.fault({ kind: 'status', status: 429, retryAfter: '120' });

    const { answer, elapsed, notices } = await timedCall(() => 0.5);

    expect(notices[1]?.waitMs, 'half of the first backoff ceiling (500 ms) with random() = 0.5').toBe(250);
    expect(elapsed, 'did not wait two minutes').toBeLessThan(5000);
    expect(answer.attempts).toBe(2);
  });

  it('without a hint, waits the backoff, growing per retry', async () => {
    sim.fault({ kind: 'status', status: 503, times: 2 });

    const { notices } = await timedCall(() => 0.1);

    expect(notices.map((n) => n.waitMs)).toEqual([undefined, 50, 100]);
  });
});
