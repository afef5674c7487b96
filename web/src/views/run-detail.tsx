import { useCallback, useEffect, useState } from 'preact/hooks';
import { errorCode, errorMessage } from '../api/client.js';
import { ResumeDocument, RunDetailDocument } from '../api/documents.js';
import type { DetailNode, EventShape } from '../api/shapes.js';
import { Entities, Verdict } from '../components/entities.js';
import { StageBadge } from '../components/stage-badge.js';
import { num, TableHead } from '../components/table-head.js';
import { Waterfall } from '../components/waterfall.js';
import { dateTime, int, ms, TERMINAL, time } from '../format.js';
import { followEvents } from '../live-events.js';
import { hrefs, Link } from '../router.js';
import { mayRun, useSession } from '../session.js';

const READ_AGAIN: ReadonlySet<string> = new Set(['EXTRACTED', 'COMPLETE', 'FAILED']);

function mergeEvents(known: readonly EventShape[], more: readonly EventShape[]): EventShape[] {
  const bySeq = new Map(known.map((e) => [e.seq, e]));
  for (const e of more) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** One run: its timeline, text, entities, verdict, error, tokens, and Resume for a retryable failure. */
export function RunDetailView({ id }: { id: string }) {
  const { client, viewer } = useSession();
  const [run, setRun] = useState<DetailNode | null | undefined>(undefined);
  const [events, setEvents] = useState<EventShape[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [resuming, setResuming] = useState(false);
  const [resumeError, setResumeError] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());

  const load = useCallback(() => {
    client
      .query(RunDetailDocument, { id })
      .toPromise()
      .then((r) => {
        if (!r.data) return setLoadError(errorMessage(r.error) || 'The run could not be read.');
        setLoadError(null);
        const node = r.data.run ?? null;
        setRun(node);
        if (node) setEvents((known) => mergeEvents(known, node.events));
      });
  }, [client, id]);

  useEffect(load, [load]);

  // the run's own events as they happen (a resume from another desk included)
  useEffect(
    () =>
      followEvents(client, {
        state: () => {},
        reconnected: load,
        event: (e) => {
          if (e.runId !== id) return;
          setEvents((known) => mergeEvents(known, [e]));
          if (READ_AGAIN.has(e.stage)) load();
        },
      }),
    [client, id, load],
  );

  const last = events[events.length - 1];
  const running = !!last && !TERMINAL.has(last.stage);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [running]);

  if (loadError) {
    return (
      <section>
        <h1>Run</h1>
        <p class="notice error" role="alert">
          {loadError}
        </p>
      </section>
    );
  }
  if (run === undefined) return <p role="status">Loading the run…</p>;
  if (run === null) {
    return (
      <section>
        <h1>Run not found</h1>
        <p>
          No run has the id <code>{id}</code> (runs are kept for a limited time).{' '}
          <Link href={hrefs.runs()}>Live runs</Link>
        </p>
      </section>
    );
  }

  const stage = last && last.seq > run.events.length ? last.stage : run.stage;
  const resumable = stage === 'FAILED' && run.error?.retryable === true;
  const resume = () => {
    setResuming(true);
    setResumeError(null);
    client
      .mutation(ResumeDocument, { id })
      .toPromise()
      .then((r) => {
        setResuming(false);
        if (r.error) setResumeError(`${errorCode(r.error) ?? 'ERROR'}: ${errorMessage(r.error)}`);
        load();
      });
  };

  const stages = [
    run.extraction && { name: 'Extraction', ...run.extraction },
    run.specialization && { name: 'Specialization', ...run.specialization },
  ].filter((s): s is NonNullable<typeof s> => !!s);

  return (
    <section class="run-detail">
      <p class="crumbs">
        <Link href={hrefs.runs()}>Live runs</Link> / run
      </p>
      <div class="heading">
        <h1>
          Run <code class="run-id">{run.id}</code>
        </h1>
        <StageBadge stage={stage} />
      </div>
      <p class="muted">
        Created {dateTime(run.createdAt)}
        {run.pipeline && ` · pipeline ${run.pipeline.name} (version ${run.pipeline.version})`}
      </p>

      <h2>Customer's text</h2>
      <blockquote class="customer-text">{run.text}</blockquote>

      {run.error && stage === 'FAILED' && (
        <div class="notice error run-error" role="alert">
          <p>
            <code class="code">{run.error.code}</code> at {run.error.stage}:{' '}
            {run.error.retryable ? 'retryable' : 'not retryable'}
          </p>
          <p>{run.error.message}</p>
          {resumable &&
            (mayRun(viewer) ? (
              <button type="button" onClick={resume} disabled={resuming}>
                {resuming ? 'Resuming…' : 'Resume'}
              </button>
            ) : (
              <p class="muted">A key with the orchestrate role may resume it; this one may only read.</p>
            ))}
          {resumeError && <p role="alert">{resumeError}</p>}
        </div>
      )}

      <h2>Timeline</h2>
      <Waterfall events={events} now={now} />

      <div class="columns">
        <div>
          <h2>Entities</h2>
          {run.extraction ? <Entities entities={run.extraction.entities} /> : <p class="empty">No extraction yet.</p>}
        </div>
        <div>
          <h2>Verdict</h2>
          {run.specialization ? <Verdict verdict={run.specialization} /> : <p class="empty">No verdict yet.</p>}
        </div>
      </div>

      <h2>Tokens</h2>
      <table class="usage">
        <TableHead
          columns={['Stage', 'Model', num('Attempts'), num('Latency'), num('Prompt'), num('Completion'), num('Total')]}
        />
        <tbody>
          {stages.map((s) => (
            <tr key={s.name}>
              <th scope="row">{s.name}</th>
              <td>{s.model}</td>
              <td class="num">{s.attempts}</td>
              <td class="num">{ms(s.latencyMs)}</td>
              <td class="num">{int(s.usage.promptTokens)}</td>
              <td class="num">{int(s.usage.completionTokens)}</td>
              <td class="num">{int(s.usage.totalTokens)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={4}>
              Run (failed stages' tokens included)
            </th>
            <td class="num">{int(run.usage.promptTokens)}</td>
            <td class="num">{int(run.usage.completionTokens)}</td>
            <td class="num">{int(run.usage.totalTokens)}</td>
          </tr>
        </tfoot>
      </table>

      <h2>Events</h2>
      <ol class="events">
        {events.map((e) => (
          <li key={e.seq}>
            <span class="muted">{time(e.at)}</span> <StageBadge stage={e.stage} />
            {e.attempt ? <span> attempt {e.attempt}</span> : null}
            {e.message && <span class="reason"> {e.message}</span>}
            {e.error && <code class="code"> {e.error.code}</code>}
          </li>
        ))}
      </ol>
    </section>
  );
}
