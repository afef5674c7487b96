import type { EventShape } from '../api/shapes.js';
import { ms } from '../format.js';
import { waterfall } from '../timeline.js';
import { num, TableHead } from './table-head.js';

const NAMES = { extraction: 'Extraction', specialization: 'Specialization' } as const;

/** The run's stages on one time axis: each stage, and under it each attempt with why it was retried. */
export function Waterfall({ events, now }: { events: readonly EventShape[]; now: number }) {
  const w = waterfall(events, now);
  const pct = (t: number) => `${Math.min(100, Math.max(0, (t / w.total) * 100)).toFixed(2)}%`;
  const bar = (start: number, end: number | null, cls: string, label: string) => (
    <div class="track" aria-hidden="true">
      <div
        class={`bar ${cls}`}
        title={label}
        style={{ left: pct(start), width: `max(3px, ${pct((end ?? w.total) - start)})` }}
      />
    </div>
  );
  if (w.stages.length === 0) return <p class="empty">No stage has started: the run is at RECEIVED.</p>;
  return (
    <table class="waterfall">
      <caption class="sr-only">Stages and attempts, times from the run's creation</caption>
      <TableHead
        columns={[
          'Step',
          num('Start'),
          num('End'),
          num('Duration'),
          {
            name: 'Timeline',
            class: 'axis',
            label: (
              <>
                <span class="sr-only">Timeline</span>
                <span aria-hidden="true">0 — {ms(w.total)}</span>
              </>
            ),
          },
        ]}
      />
      <tbody>
        {w.stages.flatMap((s, i) => [
          <tr key={`${s.stage}-${i}`} class={`stage-row outcome-${s.outcome}`} data-step={s.stage}>
            <th scope="row">
              {NAMES[s.stage]}
              {s.outcome === 'failed' && <code class="code">{s.errorCode ?? 'FAILED'}</code>}
              {s.outcome === 'running' && <span class="tag">running</span>}
            </th>
            <td class="num">+{ms(s.start)}</td>
            <td class="num">{s.end === null ? '…' : `+${ms(s.end)}`}</td>
            <td class="num">{s.end === null ? '…' : ms(s.end - s.start)}</td>
            <td>{bar(s.start, s.end, `stage-${s.stage} ${s.outcome}`, NAMES[s.stage])}</td>
          </tr>,
          ...(s.attempts.length > 1
            ? s.attempts.map((a) => (
                <tr key={`${s.stage}-${i}-${a.attempt}`} class={`attempt-row kind-${a.kind}`}>
                  <th scope="row" class="attempt">
                    {a.kind === 'first' ? 'attempt 1' : `${a.kind} — attempt ${a.attempt}`}
                    {a.reason && <span class="reason">{a.reason}</span>}
                  </th>
                  <td class="num">+{ms(a.start)}</td>
                  <td class="num">{a.end === null ? '…' : `+${ms(a.end)}`}</td>
                  <td class="num">{a.end === null ? '…' : ms(a.end - a.start)}</td>
                  <td>{bar(a.start, a.end, `attempt ${a.kind}`, `attempt ${a.attempt}`)}</td>
                </tr>
              ))
            : []),
        ])}
      </tbody>
    </table>
  );
}
