import { type Attributes, type Span, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * Spans through the OpenTelemetry API: free no-ops until `startTracing` (in
 * tracing-sdk.ts) registers an exporter, which happens only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export const tracer = trace.getTracer('genesys-llm-orchestrator');

/** Runs `fn` in a span that is current for everything it starts; errors mark the span and pass through. */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
