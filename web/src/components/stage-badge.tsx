const LABELS: Record<string, string> = {
  RECEIVED: 'Received',
  EXTRACTING: 'Extracting',
  EXTRACTED: 'Extracted',
  SPECIALIZING: 'Specializing',
  COMPLETE: 'Complete',
  FAILED: 'Failed',
};

/** A run's stage as a badge; the stage name itself is the text (a test and a screen reader read the same). */
export function StageBadge({ stage }: { stage: string }) {
  return (
    <span class={`badge stage-${stage.toLowerCase()}`} data-stage={stage} title={LABELS[stage] ?? stage}>
      {stage}
    </span>
  );
}
