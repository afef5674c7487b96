/** The extraction's entities as a person reads them: one line per field, nested values as JSON. */
export function Entities({ entities }: { entities: unknown }) {
  if (!entities || typeof entities !== 'object' || Array.isArray(entities)) {
    return <pre class="json">{JSON.stringify(entities, null, 2)}</pre>;
  }
  const fields = Object.entries(entities as Record<string, unknown>);
  if (fields.length === 0) return <p class="empty">No entities.</p>;
  return (
    <dl class="entities">
      {fields.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Verdict(props: {
  verdict: {
    isValid: boolean;
    reason: string;
    nextSteps: readonly string[];
    model: string;
    decidedBy?: string;
    rule?: string | null;
  };
}) {
  const v = props.verdict;
  return (
    <div class="verdict">
      <p>
        <span class={`badge ${v.isValid ? 'valid' : 'invalid'}`}>{v.isValid ? 'Valid' : 'Not valid'}</span>{' '}
        <span class="muted">
          {v.decidedBy === 'RULES' ? `decided by rule ${v.rule ?? ''}` : `decided by ${v.model}`}
        </span>
      </p>
      <p class="reason">{v.reason}</p>
      {v.nextSteps.length > 0 && (
        <>
          <h3>Next steps</h3>
          <ol class="next-steps">
            {v.nextSteps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
