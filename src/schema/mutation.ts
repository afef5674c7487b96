import { keyNameOf } from '../access/key-ring.js';
import { parseRunId } from '../pipeline/input.js';
import { builder } from './builder.js';
import { OrchestrationRunRef } from './orchestration-run.js';
import { RunWork } from './run-work.js';
import { planStages } from './stage-plan.js';

const OrchestrateInputRef = builder.inputType('OrchestrateInput', {
  fields: (t) => ({
    text: t.string({ required: true, description: "the customer's words" }),
    idempotencyKey: t.string({ description: 'same key and same input within 24 h: the same run, no new model calls' }),
    primaryModelId: t.string({
      description: "the extraction model; the pipeline's when absent (one ALLOWED_MODEL_IDS or a pipeline names)",
    }),
    secondaryModelId: t.string({
      description: "the domain model; the pipeline's when absent (one ALLOWED_MODEL_IDS or a pipeline names)",
    }),
    pipeline: t.string({ description: 'the pipeline to run (Query.pipelines); DEFAULT_PIPELINE when absent' }),
    eager: t.boolean({
      defaultValue: false,
      description: 'run the whole pipeline in the background and return at once',
    }),
  }),
});

builder.mutationType({
  fields: (t) => ({
    orchestrate: t.field({
      type: OrchestrationRunRef,
      description:
        'Creates a run. Selecting extraction or specialization in the result runs that stage (once per run).',
      args: { input: t.arg({ type: OrchestrateInputRef, required: true }) },
      resolve: async (_, { input }, ctx, info) => {
        const apiKey = keyNameOf(ctx.caller?.principal);
        const record = await ctx.orchestrator.create(input, { apiKey });
        return { record, work: new RunWork(record.id, planStages(info), ctx.stageCalls, false, apiKey) };
      },
    }),
    resumeRun: t.field({
      type: OrchestrationRunRef,
      nullable: true,
      description:
        'A run again, to finish it: selected stages that have not run are run, and a stage that failed with a retryable error is tried again.',
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_, { id }, ctx, info) => {
        ctx.orchestrator.assertAccepting();
        const record = await ctx.orchestrator.getRun(parseRunId(String(id)));
        if (!record) return null;
        // a resumed stage is paid by the key that resumes it, and counted against its budget
        const apiKey = keyNameOf(ctx.caller?.principal);
        return { record, work: new RunWork(record.id, planStages(info), ctx.stageCalls, true, apiKey) };
      },
    }),
  }),
});
