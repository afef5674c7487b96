import type { Client, CombinedError, TypedDocumentNode } from '@urql/core';
import { graphql } from '../gql/index.js';

/**
 * The agent-desk pattern, framework-free, to copy into a desktop:
 *
 * 1. `orchestrate` with the extraction and the verdict each in a `@defer`:
 *    the first answer is the run id at once, the entities follow when the
 *    extraction model is done (fill in the form), the verdict when the
 *    domain model is (tell the agent what to do next).
 * 2. With the id, `pipelineProgress` streams the run's steps (retries with
 *    their reasons included) for a progress line beside them.
 *
 * Over HTTP the deferred parts come as `multipart/mixed`, the progress as
 * Server-Sent Events; urql speaks both. The key goes in a header on both.
 */

// the fragments ConsoleVerdict and ConsoleStageEvent are in ../api/documents.ts
export const DeskRunDocument = graphql(`
  mutation DeskRun($text: String!, $pipeline: String) {
    orchestrate(input: { text: $text, pipeline: $pipeline }) {
      id
      pipeline {
        name
        version
      }
      ... @defer {
        extraction {
          entities
          model
          latencyMs
        }
      }
      ... @defer {
        stage
        specialization {
          ...ConsoleVerdict
        }
        error {
          code
          message
          retryable
        }
      }
    }
  }
`);

export const DeskProgressDocument = graphql(`
  subscription DeskProgress($runId: ID!) {
    pipelineProgress(runId: $runId) {
      ...ConsoleStageEvent
    }
  }
`);

type Payload<D> = D extends TypedDocumentNode<infer R, infer _V> ? R : never;
export type DeskRunResult = Payload<typeof DeskRunDocument>['orchestrate'];
export type DeskEvent = Payload<typeof DeskProgressDocument>['pipelineProgress'];

export interface DeskCallbacks {
  /** the run exists: its id (quote it in a ticket) */
  onRun(id: string): void;
  /** the first payload and each deferred one, merged: read `extraction` and `specialization` as they arrive */
  onResult(run: DeskRunResult): void;
  /** each step of the run, in order */
  onProgress(event: DeskEvent): void;
  /** a refused request (bad input, key, rate limit) or a failed stage: a code to switch on */
  onError(error: CombinedError): void;
  /** the last payload is in */
  onDone(): void;
}

/**
 * Starts a run (on the pipeline named, or the server's default) and follows
 * it; returns a function that stops listening (the run itself goes on).
 */
export function runOnDesk(
  client: Client,
  variables: { text: string; pipeline?: string | null },
  on: DeskCallbacks,
): () => void {
  let progress: { unsubscribe(): void } | undefined;
  let runId: string | undefined;
  const run = client.mutation(DeskRunDocument, variables).subscribe((result) => {
    const orchestrated = result.data?.orchestrate;
    if (orchestrated && !runId) {
      runId = orchestrated.id;
      on.onRun(runId);
      progress = client
        .subscription(DeskProgressDocument, { runId })
        .subscribe((p) => p.data && on.onProgress(p.data.pipelineProgress));
    }
    if (orchestrated) on.onResult(orchestrated);
    if (result.error) on.onError(result.error);
    if (!result.hasNext) on.onDone();
  });
  return () => {
    run.unsubscribe();
    progress?.unsubscribe();
  };
}
