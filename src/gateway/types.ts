/** What a caller of the gateway deals in. Nothing here knows of GraphQL, runs or storage. */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What the answer must be: any JSON object, text, or JSON of a given schema (structured output). */
export type ResponseFormat =
  | { type: 'json_object' | 'text' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown> };

export interface ModelOptions {
  temperature: number;
  maxTokens: number;
  responseFormat: ResponseFormat;
}

export const DEFAULT_MODEL_OPTIONS: ModelOptions = {
  temperature: 0.1,
  maxTokens: 500,
  responseFormat: { type: 'json_object' },
};

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** Told before each attempt, so a caller can show progress (attempt 2 of 3, waiting 1.2 s after a 429). */
export interface AttemptNotice {
  attempt: number;
  /** why this attempt happens, for every attempt after the first */
  reason?: string;
  /** how long the client waits before sending it */
  waitMs?: number;
}

export interface ModelCall {
  modelId: string;
  messages: ChatMessage[];
  options?: Partial<ModelOptions>;
  /** ends waits in line, backoff sleeps and the socket of an attempt at once */
  signal?: AbortSignal;
  onAttempt?: (notice: AttemptNotice) => void;
  /** carried into log lines only */
  logContext?: Record<string, string | number | undefined>;
}

export interface ModelAnswer {
  content: string;
  usage: TokenUsage;
  /** HTTP attempts made, the first included */
  attempts: number;
  /** from the first attempt to the answer, waits included */
  latencyMs: number;
  correlationId: string | null;
  responseId: string | null;
  modelId: string;
}

export interface Gateway {
  complete(call: ModelCall): Promise<ModelAnswer>;
  close(): Promise<void>;
}
