import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { createTestApp } from '../helpers/test-app.js';

const Traced = graphql(`
  mutation TracedRun($text: String!) {
    orchestrate(input: { text: $text }) { id specialization { isValid } }
  }
`);

interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

describe('OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
  it('exports a span per operation, per stage and per gateway attempt, nested', async () => {
    const spans: OtlpSpan[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const payload = JSON.parse(body) as {
            resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
          };
          for (const rs of payload.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const t = await createTestApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
    try {
      const res = await t.gql(Traced, { text: 'cancel booking XK4P9Q' });
      expect(res.errors).toBeUndefined();
      await t.app.shutdown(0); // flushes the exporter
      const byName = (n: string) => spans.filter((s) => s.name.startsWith(n));
      const operation = byName('graphql.mutation TracedRun')[0];
      const stages = [...byName('pipeline.extraction'), ...byName('pipeline.specialization')];
      const attempts = byName('gateway.attempt');
      expect(operation).toBeDefined();
      expect(stages).toHaveLength(2);
      expect(attempts).toHaveLength(2);
      for (const s of stages) expect(s.parentSpanId).toBe(operation?.spanId);
      for (const a of attempts) expect(stages.map((s) => s.spanId)).toContain(a.parentSpanId);
      expect(attempts[0]?.attributes.map((a) => a.key)).toContain('inin.correlation_id');
    } finally {
      await t.sim.close();
      collector.close();
    }
  });
});
