import type { PipelineStage } from './api/shapes.js';

export const STAGES: readonly PipelineStage[] = [
  'RECEIVED',
  'EXTRACTING',
  'EXTRACTED',
  'SPECIALIZING',
  'COMPLETE',
  'FAILED',
];
export const TERMINAL: ReadonlySet<string> = new Set(['COMPLETE', 'FAILED']);

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(value / 60_000)} min ${Math.round((value % 60_000) / 1000)} s`;
}

export function time(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })} ${time(iso)}`;
}

export function truncate(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function int(n: number): string {
  return n.toLocaleString();
}

/** From creation to the last event: what the caller waited, retries and queueing included. */
export function totalLatency(createdAt: string, events: ReadonlyArray<{ at: string }>): number | null {
  const last = events[events.length - 1];
  if (!last || events.length < 2) return null;
  return Date.parse(last.at) - Date.parse(createdAt);
}
