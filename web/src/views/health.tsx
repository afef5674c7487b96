import { useEffect, useState } from 'preact/hooks';
import { errorMessage } from '../api/client.js';
import { StatsDocument } from '../api/documents.js';
import { BarChart } from '../components/bar-chart.js';
import { num, TableHead } from '../components/table-head.js';
import { int, ms, time } from '../format.js';
import type { ConsoleStatsQuery } from '../gql/graphql.js';
import { hrefs, navigate } from '../router.js';
import { useSession } from '../session.js';

type Stats = ConsoleStatsQuery['stats'];

const WINDOWS = [
  { minutes: 15, label: 'last 15 minutes' },
  { minutes: 60, label: 'last hour' },
  { minutes: 360, label: 'last 6 hours' },
  { minutes: 1440, label: 'last 24 hours' },
];
const REFRESH_MS = 10_000;
const COLORS = {
  ok: '#2563eb',
  failed: '#dc2626',
  p50: '#0891b2',
  p95: '#7c3aed',
  prompt: '#0d9488',
  completion: '#d97706',
};

/** Circuits, runs and failures, stage latency and tokens per model, from `stats` (refreshed every 10 s). */
export function HealthView({ minutes }: { minutes: number }) {
  const { client } = useSession();
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = () =>
      client
        .query(StatsDocument, { sinceMinutes: minutes })
        .toPromise()
        .then((r) => {
          if (cancelled) return;
          if (!r.data) return setError(errorMessage(r.error) || 'The figures could not be read.');
          setError(null);
          setStats(r.data.stats);
        });
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [client, minutes]);

  const window = WINDOWS.find((w) => w.minutes === minutes)?.label ?? `last ${minutes} minutes`;
  return (
    <section class="health">
      <div class="heading">
        <h1>Health</h1>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label for="window">Window</label>
          <select
            id="window"
            value={String(minutes)}
            onChange={(e) => navigate(hrefs.health(Number(e.currentTarget.value)))}
          >
            {WINDOWS.map((w) => (
              <option value={String(w.minutes)} key={w.minutes}>
                {w.label}
              </option>
            ))}
          </select>
        </form>
        {stats && <span class="muted">updated {time(stats.until)}</span>}
      </div>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
      {!stats && !error && <p role="status">Loading…</p>}
      {stats && <Figures stats={stats} window={window} />}
    </section>
  );
}

function Figures({ stats, window }: { stats: Stats; window: string }) {
  const failed = stats.byStage.find((s) => s.stage === 'FAILED')?.runs ?? 0;
  const tokens = stats.tokensByModel.reduce((n, m) => n + m.totalTokens, 0);
  const models = [
    ...new Set([...stats.circuits.map((c) => c.model), ...stats.tokensByModel.map((m) => m.model)]),
  ].sort();
  const circuit = (model: string) => stats.circuits.find((c) => c.model === model)?.state ?? 'CLOSED';
  const minuteLabel = (iso: string) => time(iso).slice(0, 5);
  return (
    <>
      <ul class="tiles">
        <li>
          <span class="figure">{int(stats.runs)}</span> runs in the {window}
          {stats.truncated && ' (the newest; more were not read)'}
        </li>
        <li class={failed ? 'bad' : undefined}>
          <span class="figure">{int(failed)}</span> failed
          {stats.runs > 0 && ` (${((failed / stats.runs) * 100).toFixed(1)}%)`}
        </li>
        <li>
          <span class="figure">{int(tokens)}</span> tokens
        </li>
        <li>
          <span class="figure">{stats.circuits.filter((c) => c.state !== 'CLOSED').length}</span> circuits not closed
        </li>
      </ul>

      <div class="grid">
        <article class="card">
          <h2>Circuits</h2>
          <p class="muted">Each model's circuit in the instance that answered.</p>
          {models.length === 0 ? (
            <p class="empty">No model called yet.</p>
          ) : (
            <table class="circuits">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Circuit</th>
                </tr>
              </thead>
              <tbody>
                {models.map((m) => (
                  <tr key={m}>
                    <th scope="row">{m}</th>
                    <td>
                      <span class={`badge circuit-${circuit(m).toLowerCase()}`}>{circuit(m).replace('_', ' ')}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </article>

        <article class="card wide">
          <h2>Runs over time</h2>
          <BarChart
            label={`Runs per ${stats.bucketMinutes} minute${stats.bucketMinutes > 1 ? 's' : ''}, completed and failed, ${window}`}
            labels={stats.timeline.map((b) => minuteLabel(b.start))}
            series={[
              { label: 'not failed', values: stats.timeline.map((b) => b.runs - b.failed), color: COLORS.ok },
              { label: 'failed', values: stats.timeline.map((b) => b.failed), color: COLORS.failed },
            ]}
            stacked
          />
        </article>

        <article class="card">
          <h2>Failures by code</h2>
          {stats.failuresByCode.length === 0 ? (
            <p class="empty">No failures in the {window}.</p>
          ) : (
            <>
              <BarChart
                label={`Failed runs by error code: ${stats.failuresByCode.map((f) => `${f.code} ${f.runs}`).join(', ')}`}
                labels={stats.failuresByCode.map((f) => f.code)}
                series={[{ label: 'runs', values: stats.failuresByCode.map((f) => f.runs), color: COLORS.failed }]}
                horizontal
              />
              <DataTable
                caption="Failures by code"
                head={['Code', 'Runs']}
                rows={stats.failuresByCode.map((f) => [f.code, int(f.runs)])}
              />
            </>
          )}
        </article>

        <article class="card">
          <h2>Stage latency</h2>
          <BarChart
            label={`Stage latency p50 and p95: ${stats.stageLatency.map((s) => `${s.stage} p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms`).join('; ')}`}
            labels={stats.stageLatency.map((s) => (s.stage === 'EXTRACTING' ? 'extraction' : 'specialization'))}
            series={[
              { label: 'p50', values: stats.stageLatency.map((s) => s.p50Ms), color: COLORS.p50 },
              { label: 'p95', values: stats.stageLatency.map((s) => s.p95Ms), color: COLORS.p95 },
            ]}
            unit="ms"
          />
          <DataTable
            caption="Stage latency"
            head={['Stage', 'Results', 'p50', 'p95']}
            rows={stats.stageLatency.map((s) => [s.stage, int(s.count), ms(s.p50Ms), ms(s.p95Ms)])}
          />
        </article>

        <article class="card">
          <h2>Tokens per model</h2>
          {stats.tokensByModel.length === 0 ? (
            <p class="empty">No tokens paid in the {window}.</p>
          ) : (
            <>
              <BarChart
                label={`Tokens per model: ${stats.tokensByModel.map((m) => `${m.model} ${m.totalTokens}`).join(', ')}`}
                labels={stats.tokensByModel.map((m) => m.model)}
                series={[
                  { label: 'prompt', values: stats.tokensByModel.map((m) => m.promptTokens), color: COLORS.prompt },
                  {
                    label: 'completion',
                    values: stats.tokensByModel.map((m) => m.completionTokens),
                    color: COLORS.completion,
                  },
                ]}
                stacked
                horizontal
              />
              <DataTable
                caption="Tokens per model"
                head={['Model', 'Stages', 'Prompt', 'Completion', 'Total']}
                rows={stats.tokensByModel.map((m) => [
                  m.model,
                  int(m.calls),
                  int(m.promptTokens),
                  int(m.completionTokens),
                  int(m.totalTokens),
                ])}
              />
            </>
          )}
        </article>

        <article class="card">
          <h2>Runs by stage</h2>
          <DataTable
            caption="Runs by the stage they stand at"
            head={['Stage', 'Runs']}
            rows={stats.byStage.map((s) => [s.stage, int(s.runs)])}
          />
        </article>
      </div>
    </>
  );
}

function DataTable({ caption, head, rows }: { caption: string; head: string[]; rows: string[][] }) {
  return (
    <table class="data">
      <caption class="sr-only">{caption}</caption>
      <TableHead columns={head.map((h, i) => (i > 0 ? num(h) : h))} />
      <tbody>
        {rows.map((r) => (
          <tr key={r[0]}>
            {r.map((cell, i) =>
              i === 0 ? (
                <th scope="row" key={i}>
                  {cell}
                </th>
              ) : (
                <td class="num" key={i}>
                  {cell}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
