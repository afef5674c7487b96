import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * JSON lines on stdout. Secrets are removed by configuration, not by hope:
 * whatever path a header or credential is logged under, pino censors it.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
  'clientSecret',
  'config.gateway.clientSecret',
  'config.gateway.openaiApiKey',
  'apiKey',
  'token',
  'accessToken',
  'access_token',
  'password',
  '*.authorization',
  '*.clientSecret',
  '*.apiKey',
  '*.token',
  '*.access_token',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'genesys-llm-orchestrator' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/**
 * For a person at a terminal: one coloured line per entry, in this process
 * (no worker thread to flush at exit). Redaction happened before the line
 * was written, so it holds no more than the JSON would.
 */
export function prettyDestination(): DestinationStream {
  return pretty({
    colorize: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
}

/** Replaces every occurrence of the given secrets (and any bearer/basic credential) in free text. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]');
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
