import { extractEntities } from './extract.js';
import { actionValues, extractGeneric } from './generic-extract.js';
import { fits, propertiesOf, type Schema } from './schema-fit.js';

/**
 * The simulated extractor when the request carries the entity schema (the
 * pipelines' extraction stage does): travel's extractor for a schema with
 * travel's intents, the generic one (generic-extract.ts) for any other, and
 * either way only the schema's properties, each value checked against its
 * property's schema, so the answer is valid against the schema it was asked
 * for (when the schema requires only what the customer said). Pure, no I/O.
 */

export function extractWithSchema(text: string, schema: Schema): Record<string, unknown> {
  const intents = actionValues(schema);
  const raw = intents?.includes('modify_flight') ? extractEntities(text) : extractGeneric(text, schema, intents);
  return fitTo(raw, schema, intents);
}

function fitTo(raw: Record<string, unknown>, schema: Schema, intents: string[] | undefined): Record<string, unknown> {
  const properties = new Map(propertiesOf(schema));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!properties.has(key)) continue;
    if (key === 'action' && intents !== undefined && !intents.includes(value as string)) {
      // an intent this schema does not list is, for it, none of its intents
      if (intents.includes('unknown')) out.action = 'unknown';
      continue;
    }
    if (fits(value, properties.get(key), schema)) out[key] = value;
  }
  return out;
}
