import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AttemptRecord } from '../gateway/client.js';
import type { StageName } from '../pipeline/types.js';

export type RejectionReason =
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'operation_limits'
  | 'body_too_large'
  | 'shutting_down'
  | 'too_many_subscriptions'
  | 'budget_exceeded';

/** Live values the metrics read when scraped (limiter, breaker), so hot paths pay nothing for them. */
export interface MetricSources {
  inflight?: () => number;
  queued?: () => number;
  circuits?: () => Array<{ model: string; state: 'closed' | 'open' | 'half-open' }>;
}

const CIRCUIT_VALUE = { closed: 0, open: 1, 'half-open': 2 } as const;

/**
 * Prometheus metrics, names prefixed `orchestrator_` (listed in the README so
 * dashboards can rely on them). One registry per app, so tests and several
 * apps in one process never share counters.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly runs: Counter<'stage'>;
  private readonly stageDuration: Histogram<'stage'>;
  private readonly attempts: Counter<'model' | 'status'>;
  private readonly retries: Counter<'model' | 'reason'>;
  private readonly tokens: Counter<'model' | 'kind'>;
  private readonly rejected: Counter<'reason'>;
  private readonly subscriptions: Gauge;
  private readonly fallbacks: Counter<'stage' | 'from' | 'to' | 'code'>;
  private readonly cacheRequests: Counter<'stage' | 'result'>;
  private readonly budgetRefusals: Counter<'key'>;
  private sources: MetricSources = {};

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'orchestrator_' });
    this.runs = new Counter({
      name: 'orchestrator_runs_total',
      help: 'Runs ended, by final stage (COMPLETE or FAILED)',
      labelNames: ['stage'],
      registers,
    });
    this.stageDuration = new Histogram({
      name: 'orchestrator_stage_duration_seconds',
      help: 'Time a stage took, model calls, retries and repair included',
      labelNames: ['stage'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.attempts = new Counter({
      name: 'orchestrator_gateway_attempts_total',
      help: 'HTTP attempts to the gateway, by model and status (a number, timeout or network)',
      labelNames: ['model', 'status'],
      registers,
    });
    this.retries = new Counter({
      name: 'orchestrator_gateway_retries_total',
      help: 'Attempts followed by another, by model and reason',
      labelNames: ['model', 'reason'],
      registers,
    });
    this.tokens = new Counter({
      name: 'orchestrator_tokens_total',
      help: 'Tokens billed by the gateway, by model and kind (prompt, completion)',
      labelNames: ['model', 'kind'],
      registers,
    });
    this.rejected = new Counter({
      name: 'orchestrator_operations_rejected_total',
      help: 'Requests or operations refused before execution, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.subscriptions = new Gauge({
      name: 'orchestrator_subscriptions_open',
      help: 'GraphQL subscriptions open now (SSE and WebSocket)',
      registers,
    });
    this.fallbacks = new Counter({
      name: 'orchestrator_fallbacks_total',
      help: "A stage's switch from a model that failed for good to its next fallback, by stage, models and code",
      labelNames: ['stage', 'from', 'to', 'code'],
      registers,
    });
    this.cacheRequests = new Counter({
      name: 'orchestrator_cache_requests_total',
      help: 'Stage calls with a response cache, by stage and result (hit, miss, coalesced)',
      labelNames: ['stage', 'result'],
      registers,
    });
    this.budgetRefusals = new Counter({
      name: 'orchestrator_budget_refusals_total',
      help: "Operations refused because the key's daily token budget is spent, by key name",
      labelNames: ['key'],
      registers,
    });
    const sources = () => this.sources;
    new Gauge({
      name: 'orchestrator_gateway_inflight',
      help: 'Model calls in flight now',
      registers,
      collect() {
        this.set(sources().inflight?.() ?? 0);
      },
    });
    new Gauge({
      name: 'orchestrator_gateway_queued',
      help: 'Model calls waiting for a concurrency slot now',
      registers,
      collect() {
        this.set(sources().queued?.() ?? 0);
      },
    });
    new Gauge({
      name: 'orchestrator_gateway_circuit_state',
      help: 'Circuit breaker per model: 0 closed, 1 open, 2 half-open',
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const c of sources().circuits?.() ?? []) this.set({ model: c.model }, CIRCUIT_VALUE[c.state]);
      },
    });
  }

  attach(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  attemptEnded(e: AttemptRecord): void {
    this.attempts.inc({ model: e.modelId, status: String(e.status) });
    if (e.retry)
      this.retries.inc({ model: e.modelId, reason: typeof e.status === 'number' ? String(e.status) : e.status });
    if (e.usage) {
      this.tokens.inc({ model: e.modelId, kind: 'prompt' }, e.usage.promptTokens);
      this.tokens.inc({ model: e.modelId, kind: 'completion' }, e.usage.completionTokens);
    }
  }

  stageEnded(stage: StageName, _outcome: 'ok' | 'failed', seconds: number): void {
    this.stageDuration.observe({ stage }, seconds);
  }

  fallback(stage: StageName, from: string, to: string, code: string): void {
    this.fallbacks.inc({ stage, from, to, code });
  }

  cacheRequest(stage: StageName, result: 'hit' | 'miss' | 'coalesced'): void {
    this.cacheRequests.inc({ stage, result });
  }

  budgetRefused(key: string): void {
    this.budgetRefusals.inc({ key });
  }

  runEnded(stage: 'COMPLETE' | 'FAILED'): void {
    this.runs.inc({ stage });
  }

  operationRejected(reason: RejectionReason): void {
    this.rejected.inc({ reason });
  }

  subscriptionOpened(): void {
    this.subscriptions.inc();
  }

  subscriptionClosed(): void {
    this.subscriptions.dec();
  }
}
