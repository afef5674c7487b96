import type { Logger } from '../logger.js';
import type { RunStore } from './run-store.js';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Deletes runs older than the retention period: once at start-up, then every
 * hour. The timer is unref'd, so it never holds the process open.
 */
export function startRetention(
  store: RunStore,
  days: number,
  logger: Logger,
  now: () => Date = () => new Date(),
): { sweep(): Promise<number>; stop(): void } {
  const sweep = async () => {
    const cutoff = new Date(now().getTime() - days * 24 * HOUR_MS).toISOString();
    try {
      const deleted = await store.deleteCreatedBefore(cutoff);
      if (deleted > 0) logger.info({ deleted, cutoff }, 'deleted runs past retention');
      return deleted;
    } catch (err) {
      logger.warn({ err }, 'retention sweep failed; will try again');
      return 0;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), HOUR_MS);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
