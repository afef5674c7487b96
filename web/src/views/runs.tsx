import { useEffect, useReducer, useState } from 'preact/hooks';
import { errorMessage } from '../api/client.js';
import { RunsPageDocument } from '../api/documents.js';
import type { PipelineRef, PipelineStage, RowNode, RunErrorShape } from '../api/shapes.js';
import { usePipelines } from '../api/use-pipelines.js';
import { StageBadge } from '../components/stage-badge.js';
import { num, TableHead } from '../components/table-head.js';
import { int, ms, STAGES, time, totalLatency, truncate } from '../format.js';
import { followEvents, type LiveEvent, type LiveState } from '../live-events.js';
import { hrefs, Link, navigate, type Route } from '../router.js';
import { useSession } from '../session.js';

const PAGE = 25;

interface Row {
  id: string;
  text: string;
  stage: PipelineStage;
  createdAt: string;
  error: RunErrorShape | null;
  models: string[];
  tokens: number;
  latencyMs: number | null;
  pipeline?: PipelineRef;
  decidedBy?: string;
  rule?: string | null;
  /** where the page ended, for "Older": rows that came live have none */
  cursor?: string;
  /** the last event applied */
  seq: number;
}

function toRow(node: RowNode, cursor?: string): Row {
  const models = [node.extraction?.model, node.specialization?.model].filter((m): m is string => !!m);
  return {
    id: node.id,
    text: node.text,
    stage: node.stage,
    createdAt: node.createdAt,
    error: node.error ?? null,
    models: [...new Set(models)],
    tokens: node.usage.totalTokens,
    latencyMs: totalLatency(node.createdAt, node.events),
    pipeline: node.pipeline,
    decidedBy: node.specialization?.decidedBy,
    rule: node.specialization?.rule,
    cursor,
    seq: node.events.length,
  };
}

type Action = { type: 'page'; rows: Row[] } | { type: 'event'; event: LiveEvent };

interface State {
  rows: Map<string, Row>;
  loaded: boolean;
}

function reduce(state: State, action: Action): State {
  switch (action.type) {
    case 'page': {
      // the page as read is what the table shows; a stage an event brought since is kept
      const next = new Map<string, Row>();
      for (const row of action.rows) {
        const known = state.rows.get(row.id);
        next.set(row.id, known && known.seq > row.seq ? { ...row, stage: known.stage, seq: known.seq } : row);
      }
      return { rows: next, loaded: true };
    }
    case 'event': {
      const e = action.event;
      const known = state.rows.get(e.runId);
      if (!known || e.seq <= known.seq) return state;
      // the badge moves at once; the figures follow when the page is read again
      const rows = new Map(state.rows);
      rows.set(e.runId, {
        ...known,
        stage: e.stage,
        seq: e.seq,
        error: e.error ?? (e.stage === 'FAILED' ? known.error : null),
      });
      return { ...state, rows };
    }
  }
}

/** Events after which the page has new rows or figures: a new run, a stage done, an end. */
const READ_AGAIN: ReadonlySet<string> = new Set(['RECEIVED', 'EXTRACTED', 'COMPLETE', 'FAILED']);
/**
 * At most one read of the page per this many ms, however busy the server:
 * the console's key spends at most 30 queries a minute on it (a rate limit
 * counts them), and badges move at once from the events anyway.
 */
const READ_EVERY_MS = 2000;

/**
 * The newest runs, kept current by `pipelineEvents`: new runs appear at the
 * top (first page only), stages change as their events arrive. Filters and
 * the page are in the URL.
 */
export function RunsView({ route }: { route: Extract<Route, { view: 'runs' }> }) {
  const { client } = useSession();
  const stage = (STAGES as readonly string[]).includes(route.stage ?? '') ? (route.stage as PipelineStage) : null;
  const pipeline = route.pipeline;
  const after = route.after;
  const [state, dispatch] = useReducer(reduce, { rows: new Map(), loaded: false });
  const [pageInfo, setPageInfo] = useState<{ hasNextPage: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<LiveState>('connecting');
  const [reloads, setReloads] = useState(0);
  const pipelines = usePipelines(client);

  useEffect(() => {
    let cancelled = false;
    client
      .query(RunsPageDocument, { first: PAGE, after, stage, pipeline })
      .toPromise()
      .then((r) => {
        if (cancelled) return;
        if (!r.data) return setError(errorMessage(r.error) || 'The runs could not be read.');
        setError(null);
        dispatch({ type: 'page', rows: r.data.runs.edges.map((e) => toRow(e.node, e.cursor)) });
        setPageInfo({ hasNextPage: r.data.runs.pageInfo.hasNextPage });
      });
    return () => {
      cancelled = true;
    };
  }, [client, after, stage, pipeline, reloads]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = followEvents(client, {
      state: setLive,
      reconnected: () => setReloads((n) => n + 1),
      event: (e) => {
        dispatch({ type: 'event', event: e });
        if (!READ_AGAIN.has(e.stage) || timer) return;
        timer = setTimeout(() => {
          timer = undefined;
          setReloads((n) => n + 1);
        }, READ_EVERY_MS);
      },
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [client]);

  const rows = [...state.rows.values()].sort(
    (a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id),
  );
  const lastCursor = [...rows].reverse().find((r) => r.cursor)?.cursor;

  return (
    <section class="runs">
      <div class="heading">
        <h1>Live runs</h1>
        <span class={`live live-${live}`} role="status">
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label for="stage-filter">Stage</label>
        <select
          id="stage-filter"
          value={stage ?? ''}
          onChange={(e) => navigate(hrefs.runs({ stage: e.currentTarget.value, pipeline }))}
        >
          <option value="">Any</option>
          {STAGES.map((s) => (
            <option value={s} key={s}>
              {s}
            </option>
          ))}
        </select>
        <label for="pipeline-filter">Pipeline</label>
        <select
          id="pipeline-filter"
          value={pipeline ?? ''}
          onChange={(e) => navigate(hrefs.runs({ stage, pipeline: e.currentTarget.value }))}
        >
          <option value="">Any</option>
          {pipelines.map((p) => (
            <option value={p.name} key={p.name}>
              {p.name}
            </option>
          ))}
        </select>
      </form>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
      {!state.loaded && !error && <p role="status">Loading runs…</p>}
      {state.loaded && rows.length === 0 && (
        <p class="empty">
          No runs{stage ? ` at ${stage}` : ''} yet. <Link href={hrefs.try()}>Try one</Link>.
        </p>
      )}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="runs-table">
            <caption class="sr-only">Runs, newest first</caption>
            <TableHead
              columns={[
                'Created',
                "Customer's text",
                'Pipeline',
                'Stage',
                'Decided by',
                'Models',
                num('Tokens'),
                num('Latency'),
                'Error',
              ]}
            />
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} class={row.stage === 'FAILED' ? 'failed' : undefined} data-run-id={row.id}>
                  <td>
                    <Link href={hrefs.run(row.id)} title={row.createdAt}>
                      {time(row.createdAt)}
                    </Link>
                  </td>
                  <td class="text">
                    <Link href={hrefs.run(row.id)}>{truncate(row.text, 70)}</Link>
                  </td>
                  <td>{row.pipeline?.name ?? '—'}</td>
                  <td>
                    <StageBadge stage={row.stage} />
                  </td>
                  <td>{row.decidedBy ? (row.decidedBy === 'RULES' ? `rule ${row.rule ?? ''}` : 'model') : '—'}</td>
                  <td class="models">{row.models.join(', ') || '—'}</td>
                  <td class="num">{int(row.tokens)}</td>
                  <td class="num">{ms(row.latencyMs)}</td>
                  <td>
                    {row.error ? (
                      <code class="code" title={row.error.message}>
                        {row.error.code}
                      </code>
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages">
        {after && <Link href={hrefs.runs({ stage, pipeline })}>← Newest</Link>}
        {pageInfo?.hasNextPage && lastCursor && (
          <Link href={hrefs.runs({ stage, pipeline, after: lastCursor })}>Older runs →</Link>
        )}
      </nav>
    </section>
  );
}
