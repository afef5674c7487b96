import type { CombinedError } from '@urql/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorCode, errorMessage } from '../api/client.js';
import { usePipelines } from '../api/use-pipelines.js';
import { Entities, Verdict } from '../components/entities.js';
import { StageBadge } from '../components/stage-badge.js';
import { type DeskEvent, type DeskRunResult, runOnDesk } from '../desk/desk-run.js';
import { time } from '../format.js';
import { hrefs, Link } from '../router.js';
import { mayRun, useSession } from '../session.js';

const EXAMPLE = 'I need to change my flight to next Tuesday and update my seat to 14A';

/**
 * The agent-desk demo: the customer's words in, the entities as soon as the
 * extraction model is done, the verdict when the domain model is, and the
 * run's progress beside them. The pattern itself is ../desk/desk-run.ts.
 */
export function TryItView() {
  const { client, viewer } = useSession();
  const [text, setText] = useState(EXAMPLE);
  const [pipeline, setPipeline] = useState('');
  const pipelines = usePipelines(client);
  const [run, setRun] = useState<DeskRunResult | null>(null);
  const [progress, setProgress] = useState<DeskEvent[]>([]);
  const [failure, setFailure] = useState<{ code: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const stop = useRef<(() => void) | null>(null);
  const allowed = mayRun(viewer);

  useEffect(() => () => stop.current?.(), []);

  const start = (e: Event) => {
    e.preventDefault();
    stop.current?.();
    setRun(null);
    setProgress([]);
    setFailure(null);
    setBusy(true);
    stop.current = runOnDesk(
      client,
      { text, ...(pipeline ? { pipeline } : {}) },
      {
        onRun: () => {},
        onResult: (r) => setRun(r),
        onProgress: (event) =>
          setProgress((known) => (known.some((k) => k.seq === event.seq) ? known : [...known, event])),
        onError: (error: CombinedError) =>
          setFailure({ code: errorCode(error) ?? 'ERROR', message: errorMessage(error) }),
        onDone: () => setBusy(false),
      },
    );
  };

  return (
    <section class="try-it">
      <h1>Try it</h1>
      <p class="muted">
        What an agent desktop does with a customer's words. The source is <code>web/src/desk/desk-run.ts</code>: one
        mutation with two <code>@defer</code>s, and the run's progress over Server-Sent Events.
      </p>
      <form class="try-form" onSubmit={start}>
        <label for="try-text">Customer's words</label>
        <textarea id="try-text" rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} required />
        <div class="row">
          <label for="try-pipeline">Pipeline</label>
          <select id="try-pipeline" value={pipeline} onChange={(e) => setPipeline(e.currentTarget.value)}>
            <option value="">Default</option>
            {pipelines.map((p) => (
              <option value={p.name} key={p.name}>
                {p.name}
                {p.description ? ` — ${p.description}` : ''}
              </option>
            ))}
          </select>
          <button type="submit" disabled={!allowed || busy}>
            {busy ? 'Running…' : 'Run'}
          </button>
          {!allowed && (
            <span class="muted" role="note">
              The key “{viewer.name}” has the read role: it may look, not start runs.
            </span>
          )}
        </div>
      </form>

      {failure && (
        <p class="notice error" role="alert">
          <code class="code">{failure.code}</code> {failure.message}
        </p>
      )}

      {run && (
        <div class="desk">
          <div class="desk-results">
            <p class="muted">
              Run <Link href={hrefs.run(run.id)}>{run.id}</Link>
              {run.pipeline && ` · ${run.pipeline.name}`}
            </p>
            <div class="panel" data-part="entities">
              <h2>Entities</h2>
              {run.extraction ? (
                <div class="arrived" data-arrived="entities">
                  <Entities entities={run.extraction.entities} />
                  <p class="muted">
                    {run.extraction.model}, {run.extraction.latencyMs} ms
                  </p>
                </div>
              ) : (
                <p class="waiting">Waiting for the extraction model…</p>
              )}
            </div>
            <div class="panel" data-part="verdict">
              <h2>Verdict</h2>
              {run.specialization ? (
                <div class="arrived" data-arrived="verdict">
                  <Verdict verdict={run.specialization} />
                </div>
              ) : run.error ? (
                <p>
                  <code class="code">{run.error.code}</code> {run.error.message}
                </p>
              ) : (
                <p class="waiting">{run.extraction ? 'Waiting for the domain model…' : 'After the extraction.'}</p>
              )}
            </div>
          </div>
          <aside class="desk-progress" aria-label="Progress">
            <h2>Progress</h2>
            <ol class="events" aria-live="polite">
              {progress.map((e) => (
                <li key={e.seq}>
                  <span class="muted">{time(e.at)}</span> <StageBadge stage={e.stage} />
                  {e.attempt && e.attempt > 1 ? ` attempt ${e.attempt}` : ''}
                  {e.message && <span class="reason"> {e.message}</span>}
                  {e.error && <code class="code"> {e.error.code}</code>}
                </li>
              ))}
            </ol>
          </aside>
        </div>
      )}
    </section>
  );
}
