import { blank, DAY, EMAIL, MONTH, NUMBER, take, takeAmount, takePhone, WEEKDAY, type Work, YEAR } from './extract.js';
import { enumValueOf, intentOf, intentPhrases } from './intents.js';
import { afterCue, cueWords, nameBefore, nameFrom, type Span, type Word, words } from './name-spans.js';
import { fits, isRecord, propertiesOf, resolve, type Schema } from './schema-fit.js';
import { NAME_CUES } from './vocabulary.js';
import { nameWords, stem } from './words.js';

/**
 * The simulated extractor for any entity schema: the intent from the `action`
 * enum by the customer's words (intents.ts), and each property's value by what
 * its name and schema say it is: an e-mail, a phone number, the last four
 * digits of a card, an amount and its currency, a day of the month, a month, a
 * date in the customer's wording, an enum value, a code after the word that
 * names it ("account number 12345678"), or a name after a cue ("from
 * StreamFlix", "in Leeds LS1", "going to Japan", "the Unlimited 5G plan").
 * A property it cannot read is left out: nothing is invented. Each span of
 * text gives one entity at most (taken spans are blanked, as in extract.ts).
 * Pure, no I/O; every pattern is bounded or linear.
 */

type Kind =
  | 'email'
  | 'phone'
  | 'last4'
  | 'amount'
  | 'currency'
  | 'day'
  | 'month'
  | 'date'
  | 'enum'
  | 'pattern'
  | 'name';

interface Field {
  key: string;
  schema: Schema;
  kind: Kind;
  /** the words of the property's name: cardLast4 → card, last, 4 */
  words: string[];
}

// Words of property names that say what form a value has, not what it is about.
const FILLERS: ReadonlySet<string> = new Set(
  'date time day month year name number no id code type value when last 4 four'.split(' '),
);
const AMOUNT_WORDS = ['amount', 'price', 'cost', 'total', 'fee', 'sum', 'charge', 'refund', 'balance'];
const DATE_WORDS = ['date', 'since', 'when', 'time', 'seen', 'until', 'period'];
const FOUR_DIGITS = new Set(['^[0-9]{4}$', '^\\d{4}$']);

const PART_OF_DAY = '(?:morning|afternoon|evening|night)';
// travel's dates (extract.ts) and the other ways a customer says when: "last night", "this morning", "two days ago"
const DATE_PHRASE = new RegExp(
  [
    String.raw`\b\d{4}-\d{2}-\d{2}\b`,
    String.raw`\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b`,
    String.raw`\b(?:the\s+)?day (?:after tomorrow|before yesterday)\b`,
    String.raw`\b(?:yesterday|tomorrow)\s+${PART_OF_DAY}\b`,
    String.raw`\b(?:last|this|next|coming|past|previous)\s+(?:${WEEKDAY}|week(?:end)?|month|year|${PART_OF_DAY})\b`,
    String.raw`\b(?:earlier\s+)?(?:today|tomorrow|tonight|yesterday)\b`,
    String.raw`\b(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+(?:hours?|days?|weeks?|months?)\s+ago\b`,
    String.raw`\b${MONTH}\.?\s+${DAY}\b${YEAR}`,
    String.raw`\b${DAY}\s+(?:of\s+)?${MONTH}\b${YEAR}`,
    String.raw`\b${WEEKDAY}\b`,
  ].join('|'),
  'gi',
);
const MONTH_ONLY = new RegExp(String.raw`^(?:${MONTH})\.?${YEAR}$|^(?:last|this|next|previous|past)\s+month$`, 'i');
// Capitalised only, so "may" the verb is not a month; a sentence-initial "May" is skipped below.
const MONTH_NAME =
  /\b(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b/g;
const ORDINAL_DAY = /\b(?:the\s+)?([12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)\b|\bday\s+([12]\d|3[01]|0?[1-9])\b/i;
const LAST4 =
  /\b(?:ending|ends)(?:\s+(?:in|with))?\s*:?\s*(\d{4})(?!\d)|\blast\s+(?:4|four)(?:\s+digits)?(?:\s+(?:are|is))?\s*:?\s*(\d{4})(?!\d)/gi;
// a whole card or account number as given: only its last four digits are ever kept
const FULL_NUMBER = /\b(card|account)(?:\s+(?:number|no\.?|#))?(?:\s+is)?\s*:?\s*((?:\d[ -]?){7,18}\d)(?![\d])/gi;
// An amount with no currency, only right after a word about money ("a charge of 50").
const BARE_AMOUNT = new RegExp(
  String.raw`\b(?:charged?|charges|amount|paid|pay|costs?|billed|refund|dispute)\s+(?:(?:me|us|of|was|is|for|about)\s+){0,2}(${NUMBER})(?![\d%:/]|[.,]\d|\s?(?:st|nd|rd|th|am|pm)\b)`,
  'i',
);
// what may stand between a code's name and the code: "account number: 12345678"
const CODE_GAP: ReadonlySet<string> = new Set([
  'number',
  'no',
  'num',
  '#',
  'is',
  'was',
  'id',
  'ref',
  'reference',
  'code',
]);

export function extractGeneric(
  text: string,
  schema: Schema,
  intents: readonly string[] | undefined,
): Record<string, unknown> {
  const fields = fieldsOf(schema);
  const action = intents === undefined ? undefined : intentOf(text, intents);
  const work: Work = { text };
  const found = new Map<string, unknown>();
  const of = (kind: Kind) => fields.filter((f) => f.kind === kind);

  const email = of('email')[0];
  if (email) setIf(found, email, take(work, EMAIL));
  takeLast4(work, of('last4'), found);
  const amount = of('amount')[0];
  const currency = of('currency')[0];
  if (amount || currency) {
    const money = takeAmount(work) ?? (amount ? bareAmount(work) : undefined);
    if (amount) setIf(found, amount, money?.amount);
    if (currency) setIf(found, currency, money?.currency);
  }
  assignDates([...of('date'), ...of('month')], takeDates(work), action, found);
  for (const f of of('pattern')) setIf(found, f, takeCode(work, f, schema));
  const phone = of('phone')[0];
  if (phone) setIf(found, phone, takePhone(work));
  const day = of('day')[0];
  if (day) setIf(found, day, takeDay(work));
  takeNames(work, of('name'), schema, found);
  for (const f of of('enum')) setIf(found, f, enumValueOf(text, f.schema.enum as unknown[]));

  // action first, then the schema's order: the same answer byte for byte
  const out: Record<string, unknown> = {};
  if (intents !== undefined) {
    const chosen = action ?? (intents.includes('unknown') ? 'unknown' : undefined);
    if (chosen !== undefined) out.action = chosen;
  }
  for (const f of fields) if (found.has(f.key)) out[f.key] = found.get(f.key);
  return out;
}

function fieldsOf(schema: Schema): Field[] {
  const fields: Field[] = [];
  for (const [key, raw] of propertiesOf(schema)) {
    if (key === 'action') continue;
    const s = resolve(raw, schema);
    if (!s) continue;
    const kind = kindOf(nameWords(key), s);
    if (kind) fields.push({ key, schema: s, kind, words: nameWords(key) });
  }
  return fields;
}

function kindOf(words: string[], s: Schema): Kind | undefined {
  const has = (...w: string[]) => w.some((x) => words.includes(x));
  if (Array.isArray(s.enum)) return s.enum.some((v) => typeof v === 'string') ? 'enum' : undefined;
  if (s.type === 'number' || s.type === 'integer') {
    if (has('day')) return 'day';
    return has(...AMOUNT_WORDS) ? 'amount' : undefined;
  }
  if (s.type !== 'string') return undefined;
  if (has('currency')) return 'currency';
  if (has('email', 'mail')) return 'email';
  if ((has('last') && has('4', 'four')) || (typeof s.pattern === 'string' && FOUR_DIGITS.has(s.pattern))) {
    return 'last4';
  }
  if (has('phone', 'telephone', 'tel', 'mobile')) return 'phone';
  if (typeof s.pattern === 'string') return 'pattern';
  if (has('month')) return 'month';
  if (has(...DATE_WORDS)) return 'date';
  return 'name';
}

function setIf(found: Map<string, unknown>, field: Field, value: unknown): void {
  if (value !== undefined && !found.has(field.key)) found.set(field.key, value);
}

/** "card ending 4821", "last four digits 1234", or a whole number of which only the last four are kept. */
function takeLast4(work: Work, fields: Field[], found: Map<string, unknown>): void {
  if (fields.length === 0) return;
  const hits: Array<{ digits: string; noun?: string }> = [];
  for (const pattern of [FULL_NUMBER, LAST4]) {
    const text = work.text;
    const spans: Span[] = [];
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      const isFull = pattern === FULL_NUMBER;
      const digits = isFull ? (m[2] as string).replace(/\D/g, '').slice(-4) : ((m[1] ?? m[2]) as string);
      const before = text.slice(Math.max(0, m.index - 30), m.index + (isFull ? (m[1] as string).length : 0));
      const noun = /\b(card|account)s?\b(?!.*\b(?:card|account)s?\b)/i.exec(before)?.[1]?.toLowerCase();
      hits.push({ digits, ...(noun ? { noun } : {}) });
      spans.push({ start: m.index, end: m.index + m[0].length });
    }
    blankAll(work, spans);
  }
  // by the noun before the digits ("card ending", "account ending"), else in the schema's order
  for (const hit of hits) {
    const field =
      fields.find((f) => !found.has(f.key) && hit.noun !== undefined && f.words.includes(hit.noun)) ??
      fields.find(
        (f) =>
          !found.has(f.key) && (hit.noun === undefined || !fields.some((g) => g.words.includes(hit.noun as string))),
      );
    if (field) found.set(field.key, hit.digits);
  }
}

function bareAmount(work: Work): { amount: number; currency?: undefined } | undefined {
  const m = BARE_AMOUNT.exec(work.text);
  if (!m) return undefined;
  const digits = m[1] as string;
  blank(work, m.index + m[0].length - digits.length, digits.length);
  return { amount: Number(digits.replaceAll(',', '')) };
}

interface DatePhrase {
  value: string;
  start: number;
  /** a month ("March", "last month"): what a month property (billMonth) takes */
  month: boolean;
  /** the stem of the word before it: "since" in "down since last night" */
  cue?: string;
  used: boolean;
}

/** Every date in the text, and every month named alone ("my March bill"), in the text's order. */
function takeDates(work: Work): DatePhrase[] {
  const out: DatePhrase[] = [];
  for (const pattern of [DATE_PHRASE, MONTH_NAME]) {
    const text = work.text;
    const spans: Span[] = [];
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      // "May I ...": a sentence that starts with May is asking, not dating
      if (pattern === MONTH_NAME && m[0] === 'May' && startsSentence(text, m.index)) continue;
      const cue = /(\p{L}+)[^\p{L}]{0,3}$/u.exec(text.slice(Math.max(0, m.index - 24), m.index))?.[1];
      out.push({
        value: m[0],
        start: m.index,
        month: MONTH_ONLY.test(m[0]),
        ...(cue ? { cue: stem(cue) } : {}),
        used: false,
      });
      spans.push({ start: m.index, end: m.index + m[0].length });
    }
    blankAll(work, spans);
  }
  return out.sort((a, b) => a.start - b.start);
}

function startsSentence(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 40), at).trimEnd();
  return before === '' ? at <= 40 : /[.!?]$/.test(before);
}

/**
 * Which date is which, when a schema has several (outageSince, travelDate,
 * billMonth): the one right after a word of the property's name ("since last
 * night"), else the first left for the property that belongs to the intent
 * (travelDate for roaming_request, through "travel"; billMonth for
 * billing_dispute, through "bill"), else the first left when the schema has
 * one date. A month property takes only a month.
 */
function assignDates(
  fields: Field[],
  dates: DatePhrase[],
  action: string | undefined,
  found: Map<string, unknown>,
): void {
  const pick = (field: Field, test: (d: DatePhrase) => boolean) => {
    const phrase = dates.find((d) => !d.used && (field.kind !== 'month' || d.month) && test(d));
    if (!phrase || found.has(field.key)) return;
    phrase.used = true;
    found.set(field.key, phrase.value);
  };
  for (const f of fields) {
    const stems = f.words.map(stem);
    pick(f, (d) => d.cue !== undefined && stems.includes(d.cue));
  }
  const intentStems = new Set(action ? intentPhrases(action).flat() : []);
  for (const f of fields) {
    if (f.words.some((w) => !FILLERS.has(w) && intentStems.has(stem(w)))) pick(f, () => true);
  }
  if (fields.length === 1) pick(fields[0] as Field, () => true);
}

/** A code right after the words of its name: accountNumber in "account number 12345678". */
function takeCode(work: Work, field: Field, root: Schema): string | undefined {
  const nouns = field.words.filter((w) => !FILLERS.has(w)).map(stem);
  if (nouns.length === 0) return undefined;
  const ws = words(work.text);
  for (let i = 0; i < ws.length; i++) {
    if (!nouns.includes(stem((ws[i] as Word).lower))) continue;
    for (let j = i + 1; j < ws.length && j <= i + 4; j++) {
      const w = ws[j] as Word;
      if (CODE_GAP.has(w.lower.replace(/[:#]$/, '')) || w.lower === ':' || w.lower === '#') continue;
      for (const value of [w.bare, w.bare.toUpperCase()]) {
        if (fits(value, field.schema, root)) {
          blank(work, w.start, w.end - w.start);
          return value;
        }
      }
      break;
    }
  }
  return undefined;
}

function takeDay(work: Work): number | undefined {
  const m = ORDINAL_DAY.exec(work.text);
  if (!m) return undefined;
  blank(work, m.index, m[0].length);
  return Number(m[1] ?? m[2]);
}

interface NameHit {
  field: Field;
  span: Span;
  /** longer cues are surer: "going to" over "in" */
  strength: number;
}

/**
 * Names next to their cue words. Every field's candidates are gathered first,
 * then given out surest first, so "roaming in Spain" is a destination even
 * when the schema lists a location (cue "in") before it.
 */
function takeNames(work: Work, fields: Field[], root: Schema, found: Map<string, unknown>): void {
  if (fields.length === 0) return;
  const ws = words(work.text);
  const stems = ws.map((w) => stem(w.lower));
  const hits: NameHit[] = [];
  for (const field of fields) {
    const nouns = field.words.filter((w) => !FILLERS.has(w)).map(stem);
    const cues = field.words.flatMap((w) => NAME_CUES[w] ?? []).map(cueWords);
    for (let i = 0; i < ws.length; i++) {
      // "the Unlimited 5G plan", "plan called Unlimited 5G"
      if (nouns.includes(stems[i] as string)) {
        const before = nameBefore(ws, i);
        if (before) hits.push({ field, span: before, strength: 2 });
        const gap = ['called', 'named'].includes(ws[i + 1]?.lower ?? '') ? 2 : 1;
        const after = (ws[i] as Word).closes ? undefined : nameFrom(ws, i + gap);
        if (after) hits.push({ field, span: after, strength: 2 });
      }
      for (const cue of cues) {
        if (!afterCue(ws, i, cue)) continue;
        const span = nameFrom(ws, i);
        if (span) hits.push({ field, span, strength: cue.length });
      }
    }
  }
  hits.sort((a, b) => b.strength - a.strength || a.span.start - b.span.start);
  const taken: Span[] = [];
  for (const { field, span } of hits) {
    if (found.has(field.key) || taken.some((t) => t.start < span.end && span.start < t.end)) continue;
    const value = work.text.slice(span.start, span.end);
    if (!fits(value, field.schema, root)) continue;
    found.set(field.key, value);
    taken.push(span);
  }
  blankAll(work, taken);
}

/** Blanks many spans in one pass (a blank() each would copy the text once per span). */
function blankAll(work: Work, spans: readonly Span[]): void {
  if (spans.length === 0) return;
  const parts: string[] = [];
  let at = 0;
  for (const { start, end } of [...spans].sort((a, b) => a.start - b.start)) {
    parts.push(work.text.slice(at, start), ' '.repeat(end - start));
    at = end;
  }
  parts.push(work.text.slice(at));
  work.text = parts.join('');
}

export function actionValues(schema: Schema): string[] | undefined {
  const action = resolve(isRecord(schema.properties) ? schema.properties.action : undefined, schema);
  if (!action) return undefined;
  if (Array.isArray(action.enum)) return action.enum.filter((v): v is string => typeof v === 'string');
  if (typeof action.const === 'string') return [action.const];
  return undefined;
}
