import { trace } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import { inSpan } from '../observability/tracing.js';

/** A span per GraphQL operation; stage and gateway-attempt spans started under it nest in it. */
export function useTracing(): Plugin {
  const operationSpan =
    (kind: string) =>
    (_payload: { context: YogaInitialContext }, wrapped: () => unknown): Promise<void> =>
      inSpan(`graphql.${kind}`, {}, async () => {
        await wrapped();
      });
  // the operation's name and type are known once parsed: name the span then
  const nameSpan = ({
    args,
  }: {
    args: { document: Parameters<typeof getOperationAST>[0]; operationName?: string | null };
  }) => {
    const op = getOperationAST(args.document, args.operationName);
    const name = op?.name?.value ?? 'anonymous';
    const span = trace.getActiveSpan();
    span?.updateName(`graphql.${op?.operation ?? 'operation'} ${name}`);
    span?.setAttributes({ 'graphql.operation.name': name, 'graphql.operation.type': op?.operation ?? 'unknown' });
  };
  return {
    instrumentation: { execute: operationSpan('execute'), subscribe: operationSpan('subscribe') },
    onExecute: nameSpan,
    onSubscribe: nameSpan,
  };
}
