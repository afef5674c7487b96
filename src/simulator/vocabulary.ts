/**
 * What the simulated extractor knows beyond the words of a schema's own names.
 *
 * Any intent or enum value is matched by its own words (`report_lost_card`:
 * lost, card, and report). The tables below add the words customers use for
 * the intents and values of the shipped pipelines (pipelines/banking.yaml,
 * pipelines/telecom.yaml), keyed by the value's name: a small, stated
 * vocabulary, not language understanding. A pipeline with other names is
 * matched by its names' words alone. Words are compared as crude stems
 * (words.ts), so "charge" also finds "charged" and "charges"; how intents and
 * values are scored is in intents.ts.
 */

/** Words that say little alone ("change", "report"): half weight, and never enough by themselves. */
export const GENERIC_WORDS: ReadonlySet<string> = new Set([
  'report',
  'request',
  'change',
  'update',
  'switch',
  'move',
  'set',
  'make',
  'new',
  'issue',
  'problem',
  'help',
  'inquiry',
  'enquiry',
  'question',
  'get',
  'want',
  'need',
  'check',
  'going',
  'go',
]);

/** Words that never count as a match on their own (also dropped from value names: not_recognised). */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'the',
  'to',
  'of',
  'in',
  'on',
  'at',
  'for',
  'my',
  'me',
  'i',
  'is',
  'it',
  'not',
  'no',
  'and',
  'or',
  'with',
  'by',
  'from',
  'there',
  'this',
  'that',
  'you',
  'your',
  'be',
  'was',
  'are',
  'other',
  'unknown',
  'none',
]);

/** Intent values that mean "none of these": never chosen by words. */
export const NO_INTENT: ReadonlySet<string> = new Set(['unknown', 'other', 'none']);

/** More ways customers name the shipped pipelines' intents (besides the intent's own words). */
export const INTENT_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  // banking
  dispute_transaction: [
    'charge',
    'recognise',
    'recognize',
    'unauthorised',
    'unauthorized',
    'fraudulent',
    'twice',
    'duplicate',
    'overcharged',
    'never made',
    "didn't make",
    'did not make',
    'never arrived',
    'not received',
    'refund',
    'money back',
  ],
  report_lost_card: ['lose', 'losing', 'missing', 'misplaced', "can't find", 'cannot find'],
  report_stolen_card: ['stole', 'theft', 'thief', 'robbed', 'pickpocketed'],
  change_payment_date: ['pay', 'due date', 'direct debit', 'move', 'switch', 'set'],
  balance_inquiry: ['how much money', 'funds', 'overdrawn'],
  // telecom
  change_plan: ['switch', 'upgrade', 'downgrade', 'tariff', 'bundle', 'contract'],
  report_outage: [
    'down',
    'outage',
    'signal',
    'not working',
    "isn't working",
    "doesn't work",
    "won't work",
    'offline',
    'no internet',
    'no connection',
    'cut off',
    'dropping',
  ],
  roaming_request: [
    'roam',
    'abroad',
    'overseas',
    'travel',
    'travelling',
    'traveling',
    'trip',
    'holiday',
    'visiting',
    'work there',
    'going to',
  ],
  billing_dispute: ['bill', 'charge', 'overcharged', 'wrong', 'incorrect', 'never made', "didn't make", 'did not make'],
};

/**
 * Ways customers name enum values, keyed by the value; where a value is listed
 * these replace its own words ("current" alone is too common a word for
 * accountType current). A value matches when every word of one phrase appears.
 */
export const VALUE_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  // banking accountType
  current: ['current account', 'checking account'],
  savings: ['savings', 'saving account'],
  credit_card: ['credit card'],
  // banking disputeReason
  not_recognised: [
    'recognise',
    'recognize',
    'unauthorised',
    'unauthorized',
    'fraudulent',
    'never made',
    "didn't make",
    'did not make',
  ],
  duplicate_charge: ['duplicate', 'twice', 'double charged', 'charged two times'],
  goods_not_received: [
    'goods received',
    'never arrived',
    'never received',
    "didn't arrive",
    'not delivered',
    'never delivered',
  ],
  wrong_amount: ['wrong amount', 'overcharged', 'too much'],
  cancelled_subscription: ['cancelled subscription', 'canceled subscription', 'after i cancelled', 'after i canceled'],
  // telecom service
  mobile: ['mobile', 'cell', 'cellphone', '4g', '5g'],
  broadband: ['broadband', 'internet', 'wifi', 'wi-fi', 'fibre', 'fiber'],
  landline: ['landline', 'home phone'],
  tv: ['tv', 'television'],
};

/**
 * The words before a name that say which entity it is: "from StreamFlix" is a
 * merchant, "in Leeds" a location, "going to Japan" a destination. Keyed by a
 * word of the property's name.
 */
export const NAME_CUES: Readonly<Record<string, readonly string[]>> = {
  plan: ['switch to', 'change to', 'move to', 'upgrade to', 'downgrade to', 'switch me to', 'move me to'],
  merchant: ['from', 'at', 'by', 'with'],
  shop: ['from', 'at'],
  store: ['from', 'at'],
  retailer: ['from', 'at'],
  payee: ['to', 'from'],
  location: ['in', 'at', 'near', 'around', 'outside'],
  place: ['in', 'at', 'near'],
  town: ['in', 'at', 'near'],
  city: ['in', 'at', 'near'],
  destination: [
    'going to',
    'go to',
    'travelling to',
    'traveling to',
    'travel to',
    'flying to',
    'fly to',
    'heading to',
    'trip to',
    'holiday in',
    'roaming in',
    'visiting',
  ],
  country: ['going to', 'travelling to', 'traveling to', 'travel to', 'flying to', 'trip to', 'visiting', 'in'],
};
