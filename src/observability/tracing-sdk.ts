import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/**
 * Exports spans over OTLP/HTTP to `{endpoint}/v1/traces` (the meaning of
 * OTEL_EXPORTER_OTLP_ENDPOINT in the OpenTelemetry spec). Registering the
 * provider makes the `tracer` of tracing.ts record for real.
 */
export function startTracing(endpoint: string): { shutdown(): Promise<void> } {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'genesys-llm-orchestrator' }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }), {
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}
