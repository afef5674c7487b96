/**
 * A pipeline definition as both stores keep it: its JSON text, which parses
 * back to an equal value. Refuses what JSON cannot hold at all (undefined, a
 * function) rather than store something that reads back as another value.
 */
export function definitionJson(definition: unknown): string {
  const json = JSON.stringify(definition);
  if (json === undefined) throw new TypeError('A pipeline definition must be a JSON value.');
  return json;
}
