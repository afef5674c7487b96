import { type Verdict, validateRequest } from './specialist.js';

/**
 * The simulated domain model for a pipeline's specialization request
 * (prompt-format.ts). Travel's intents get travel's stated rules
 * (specialist.ts). Any other intent is accepted: the pipeline's own rules,
 * deterministic and in its file, already refused what they refuse before
 * the model was asked, and the simulator knows no policy beyond them, which
 * its reason says. Every reason starts with "Simulated rule: ". Pure, no I/O.
 */

const TRAVEL_INTENTS: ReadonlySet<unknown> = new Set([
  'modify_flight',
  'request_refund',
  'change_address',
  'cancel_booking',
  'baggage_issue',
]);
// entities are the customer's words: keep what is repeated of them short
const MAX_SHOWN = 80;

export function pipelineVerdict(entities: Record<string, unknown>, passed: readonly string[]): Verdict {
  if (TRAVEL_INTENTS.has(entities.action)) return validateRequest(entities);
  const action = typeof entities.action === 'string' ? entities.action.trim() : '';
  if (action === '' || action === 'unknown') {
    return {
      isValid: false,
      reason: `Simulated rule: the request's intent (${action || 'none'}) is not known, so there is nothing to validate.`,
      nextSteps: ['Ask the customer what they need'],
    };
  }
  const intent = shown(action);
  const what = intent.replaceAll('_', ' ');
  const checks = passed.length > 0 ? `this one passed ${passed.join(', ')}` : 'no rule applied to this one';
  const details = Object.entries(entities)
    .filter(([key]) => key !== 'action')
    .map(
      ([key, value]) =>
        `${key} ${typeof value === 'string' ? JSON.stringify(shown(value)) : shown(JSON.stringify(value))}`,
    );
  return {
    isValid: true,
    reason: `Simulated rule: a request with a known intent (${intent}) is accepted once the pipeline's rules let it through; ${checks}.`,
    nextSteps: [
      `Proceed with the ${what}`,
      details.length > 0 ? `Use the details given: ${details.join(', ')}` : undefined,
      'Confirm the outcome with the customer',
    ].filter((s): s is string => s !== undefined),
  };
}

function shown(text: string): string {
  const chars = [...text];
  return chars.length <= MAX_SHOWN ? text : `${chars.slice(0, MAX_SHOWN - 1).join('')}…`;
}
