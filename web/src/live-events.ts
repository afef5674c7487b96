import type { Client } from '@urql/core';
import { EventsDocument } from './api/documents.js';
import type { EventShape } from './api/shapes.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

export interface LiveEvent extends EventShape {
  runId: string;
}

/**
 * Every run's events (`pipelineEvents`, over SSE) for as long as the view
 * lives. A dropped stream (a restart, a deploy, a proxy timeout) is opened
 * again with a growing wait; `onReconnect` lets the view re-read what it
 * may have missed meanwhile.
 */
export function followEvents(
  client: Client,
  on: { event(e: LiveEvent): void; state(s: LiveState): void; reconnected(): void },
): () => void {
  let stopped = false;
  let wait = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: { unsubscribe(): void } | undefined;
  const open = (again: boolean) => {
    if (stopped) return;
    let failed = false;
    current = client.subscription(EventsDocument, {}).subscribe((result) => {
      if (stopped || failed) return;
      if (result.error || result.hasNext === false) {
        failed = true;
        on.state('reconnecting');
        current?.unsubscribe();
        timer = setTimeout(() => open(true), wait);
        wait = Math.min(wait * 2, 30_000);
        return;
      }
      const e = result.data?.pipelineEvents;
      if (e) {
        wait = 1000;
        on.event(e);
      }
    });
    // urql sends the request now; the stream is as live as the server lets it be
    on.state('live');
    if (again) on.reconnected();
  };
  open(false);
  return () => {
    stopped = true;
    clearTimeout(timer);
    current?.unsubscribe();
  };
}
