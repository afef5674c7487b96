import { AppError } from '../errors.js';
import { parseRunId } from '../pipeline/input.js';
import { builder } from './builder.js';
import { OrchestrationRunRef } from './orchestration-run.js';
import { PipelineObjectRef } from './pipeline.js';
import { PipelineStageEnum } from './pipeline-stage.js';
import { RunConnectionRef } from './run-connection.js';

const MAX_PAGE = 100;

builder.queryType({
  description: 'Reads what is stored; a query never calls a model',
  fields: (t) => ({
    run: t.field({
      type: OrchestrationRunRef,
      nullable: true,
      description: 'null when no run has this id',
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_, { id }, ctx) => {
        const record = await ctx.loaders.run.load(parseRunId(String(id)));
        return record ? { record } : null;
      },
    }),
    pipelines: t.field({
      type: [PipelineObjectRef],
      description: 'the pipelines served, by name',
      resolve: (_, __, ctx) => ctx.pipelines.list(),
    }),
    pipeline: t.field({
      type: PipelineObjectRef,
      nullable: true,
      description: 'null when no pipeline has this name',
      args: { name: t.arg.string({ required: true }) },
      resolve: (_, { name }, ctx) => ctx.pipelines.list().find((p) => p.name === name) ?? null,
    }),
    runs: t.field({
      type: RunConnectionRef,
      description: 'newest first',
      args: {
        first: t.arg.int({ description: `1 to ${MAX_PAGE}, default 20` }),
        after: t.arg.string(),
        stage: t.arg({ type: PipelineStageEnum }),
        pipeline: t.arg.string({ description: "this pipeline's runs only, by name" }),
      },
      resolve: async (_, args, ctx) => {
        const first = args.first ?? 20;
        if (first < 1 || first > MAX_PAGE)
          throw new AppError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE}`);
        const page = await ctx.runs.list({
          first,
          after: args.after ?? undefined,
          stage: args.stage ?? undefined,
          pipeline: args.pipeline ?? undefined,
        });
        for (const { run } of page.runs) ctx.loaders.run.prime(run.id, run);
        return {
          edges: page.runs.map(({ run, cursor }) => ({ cursor, node: { record: run } })),
          hasNextPage: page.hasNextPage,
          hasPreviousPage: args.after != null,
        };
      },
    }),
  }),
});
