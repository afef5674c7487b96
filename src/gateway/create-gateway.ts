import type { Dispatcher } from 'undici';
import type { GenesysGatewayConfig, OpenAIGatewayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { type AttemptRecord, GatewayClient } from './client.js';
import { createDispatcher } from './http.js';
import { ConcurrencyLimiter } from './limiter.js';
import { TokenProvider } from './token-provider.js';
import type { Gateway } from './types.js';
import { genesysWireFormat } from './wire/genesys.js';
import { openaiWireFormat } from './wire/openai.js';

export interface GatewayDeps {
  logger: Logger;
  breaker?: CircuitBreaker;
  dispatcher?: Dispatcher;
  random?: () => number;
  onAttemptEnd?: (e: AttemptRecord) => void;
}

export interface GatewayHandle {
  gateway: Gateway;
  limiter: ConcurrencyLimiter;
  /** undefined in openai mode, which takes a static key */
  tokens?: TokenProvider;
}

/**
 * Builds the gateway for `genesys` or `openai` mode. The simulated mode is the
 * genesys mode pointed at the in-process simulator: the same code path runs.
 */
export function createGateway(gw: GenesysGatewayConfig | OpenAIGatewayConfig, deps: GatewayDeps): GatewayHandle {
  const dispatcher = deps.dispatcher ?? createDispatcher();
  const limiter = new ConcurrencyLimiter(gw.maxConcurrency);
  const common = {
    dispatcher,
    limiter,
    logger: deps.logger.child({ component: 'gateway' }),
    timeoutMs: gw.timeoutMs,
    maxAttempts: gw.maxAttempts,
    random: deps.random,
    onAttemptEnd: deps.onAttemptEnd,
    breaker: deps.breaker,
  };
  switch (gw.mode) {
    case 'openai': {
      const wire = openaiWireFormat(gw.openaiBaseUrl, gw.openaiApiKey);
      return { gateway: new GatewayClient({ ...common, wire, secrets: [gw.openaiApiKey] }), limiter };
    }
    case 'genesys': {
      const tokens = new TokenProvider({
        loginBaseUrl: gw.loginBaseUrl,
        clientId: gw.clientId,
        clientSecret: gw.clientSecret,
        dispatcher,
        timeoutMs: gw.timeoutMs,
      });
      const wire = genesysWireFormat(gw.apiBaseUrl);
      return {
        gateway: new GatewayClient({ ...common, wire, tokens, secrets: [gw.clientSecret] }),
        limiter,
        tokens,
      };
    }
  }
}
