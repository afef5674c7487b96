/**
 * The baseline: the tutorial's algorithm ("Chaining Genesys Cloud LLM Gateway
 * Responses with a Node.js Orchestrator", its "Complete Working Example"),
 * kept as written: global `fetch`, a module-level token cache with the 60 s
 * margin, the two sequential calls with the tutorial's bodies and options,
 * `JSON.parse` of the content, `retryOnRateLimit`, and the `new Promise`
 * wrapper with its unified result.
 *
 * Changes, all needed to run it at all, none that makes it cheaper:
 * - configuration comes from `configureBaseline` instead of `process.env`;
 * - the token URL uses the login host (the tutorial posts to `api.` instead of
 *   `login.`, which the real service refuses); here both are the simulator;
 * - a counter of token requests, for the benchmark's report;
 * - the request body and the specialist's messages are exported (unchanged), so
 *   that bench/relay.ts sends exactly what this sends;
 * - types.
 */

interface BaselineConfig {
  loginBaseUrl: string;
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
  primaryModelId: string;
  secondaryModelId: string;
}

export type Message = { role: string; content: string };
type GatewayAnswer = { choices: Array<{ message: { content: string } }> };

let config: BaselineConfig | undefined;
let cachedToken: string | null = null;
let tokenExpiry = 0;
/** token requests this module has sent (not in the tutorial: for the report) */
export let baselineTokenRequests = 0;

export function configureBaseline(c: BaselineConfig): void {
  config = c;
  cachedToken = null;
  tokenExpiry = 0;
  baselineTokenRequests = 0;
}

function cfg(): BaselineConfig {
  if (!config) throw new Error('configureBaseline first');
  return config;
}

async function getAccessToken(): Promise<string> {
  if (cachedToken && Date.now() < tokenExpiry - 60000) {
    return cachedToken;
  }

  const { clientId, clientSecret, loginBaseUrl } = cfg();
  const authString = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
  const payload = 'grant_type=client_credentials&scope=llm:gateway:invoke';

  baselineTokenRequests++;
  const response = await fetch(`${loginBaseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${authString}`,
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    },
    body: payload,
  });

  if (!response.ok) {
    const errorBody = await response.text();
    throw new Error(`OAuth token fetch failed: ${response.status} ${response.statusText} - ${errorBody}`);
  }

  const data = (await response.json()) as { access_token: string; expires_in: number };
  cachedToken = data.access_token;
  tokenExpiry = Date.now() + data.expires_in * 1000;
  return cachedToken;
}

export function gatewayRequestBody(
  modelId: string,
  messages: Message[],
  options: { temperature?: number; maxTokens?: number } = {},
) {
  return {
    modelId,
    messages,
    options: {
      temperature: options.temperature ?? 0.1,
      maxTokens: options.maxTokens ?? 500,
      ...options,
    },
  };
}

async function invokeGateway(
  token: string,
  modelId: string,
  messages: Message[],
  options: { temperature?: number; maxTokens?: number } = {},
): Promise<GatewayAnswer> {
  const endpoint = `${cfg().apiBaseUrl}/api/v2/llm/gateway`;

  const requestBody = gatewayRequestBody(modelId, messages, options);

  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
    },
    body: JSON.stringify(requestBody),
  });

  if (!response.ok) {
    const errorText = await response.text();
    throw new Error(`Gateway call failed: ${response.status} ${response.statusText} - ${errorText}`);
  }

  return response.json() as Promise<GatewayAnswer>;
}

const SPECIALIST_SYSTEM_PROMPT = `You are a domain specialist. Validate the extracted request against business rules. Return a JSON object with "isValid", "reason", and "nextSteps".`;

export function specialistMessages(extractedEntities: unknown): Message[] {
  const userPrompt = `Extracted request: ${JSON.stringify(extractedEntities)}. Validate and respond.`;
  return [
    { role: 'system', content: SPECIALIST_SYSTEM_PROMPT },
    { role: 'user', content: userPrompt },
  ];
}

/** the specialist's options in the tutorial */
export const SPECIALIST_OPTIONS = { maxTokens: 300 };

async function invokeSpecializedModel(token: string, extractedEntities: unknown): Promise<unknown> {
  const response = await invokeGateway(
    token,
    cfg().secondaryModelId,
    specialistMessages(extractedEntities),
    SPECIALIST_OPTIONS,
  );

  const content = response.choices[0]?.message.content as string;
  try {
    return JSON.parse(content);
  } catch {
    throw new Error(`Secondary model returned malformed JSON: ${content}`);
  }
}

const MAX_RETRIES = 3;
const BASE_DELAY = 1000;

async function retryOnRateLimit<T>(fn: () => Promise<T>): Promise<T> {
  let attempts = 0;
  while (true) {
    try {
      return await fn();
    } catch (error) {
      attempts++;
      if ((error as Error).message.includes('429') && attempts < MAX_RETRIES) {
        const delay = BASE_DELAY * 2 ** (attempts - 1);
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      throw error;
    }
  }
}

export interface UnifiedResult {
  status: 'success';
  extraction: unknown;
  specialization: unknown;
  metadata: { timestamp: string; pipelineStage: string; requestId: string };
}

export function orchestratePipeline(userInput: string): Promise<UnifiedResult> {
  // biome-ignore lint/suspicious/noAsyncPromiseExecutor: the tutorial's own construction, kept on purpose
  return new Promise(async (resolve, reject) => {
    try {
      const token = await getAccessToken();

      const extractionResult = await retryOnRateLimit(async () => {
        const resp = await invokeGateway(token, cfg().primaryModelId, [{ role: 'user', content: userInput }]);
        return JSON.parse(resp.choices[0]?.message.content as string) as unknown;
      });

      const specializationResult = await retryOnRateLimit(async () => {
        return invokeSpecializedModel(token, extractionResult);
      });

      resolve({
        status: 'success',
        extraction: extractionResult,
        specialization: specializationResult,
        metadata: {
          timestamp: new Date().toISOString(),
          pipelineStage: 'complete',
          requestId: crypto.randomUUID(),
        },
      });
    } catch (error) {
      reject({
        status: 'error',
        message: (error as Error).message,
        metadata: {
          timestamp: new Date().toISOString(),
          pipelineStage: 'failed',
          requestId: crypto.randomUUID(),
        },
      });
    }
  });
}
