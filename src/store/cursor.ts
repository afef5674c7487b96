import { AppError } from '../errors.js';

/** A page cursor: a run's creation order, opaque to clients, the same for every store. */
export function encodeCursor(order: number): string {
  return Buffer.from(`run:${order}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const m = /^run:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new AppError('BAD_USER_INPUT', 'The cursor `after` is not one this server issued.');
  return Number(m[1]);
}
