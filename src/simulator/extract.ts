/**
 * The simulated extraction model: deterministic regular expressions that turn
 * a customer's sentence into `{action, ...entities}`. Pure, no I/O.
 *
 * Entities are taken in a fixed order and each match is blanked out of a
 * working copy of the text, so that one span never yields two entities (a
 * flight number is not read again as a phone number, a seat or a booking
 * reference). Blanking keeps positions, so values are cut from the original
 * text in the customer's own wording.
 */

export type Intent =
  | 'modify_flight'
  | 'request_refund'
  | 'change_address'
  | 'cancel_booking'
  | 'baggage_issue'
  | 'unknown';

const BAG = '(?:bags?|baggage|luggage|suitcases?)';
const BAG_TROUBLE = '(?:lost|delayed|damaged|missing|broken|torn|mishandled|late|stolen)';

// Clauses are bounded ({0,160}) so a long input cannot make them backtrack for long.
// Checked in this order: the more specific or consequential request wins when a
// sentence mentions several ("my bag was damaged, I want a refund" is a refund).
const INTENTS: ReadonlyArray<readonly [Intent, RegExp]> = [
  ['request_refund', /\b(?:refund(?:s|ed|ing)?|money back|reimburse(?:d|ment)?)\b/i],
  // "cancel", "cancelling", "cancellation" but not "my flight was cancelled, rebook me"
  ['cancel_booking', /\bcancel(?:l?ing|lation)?\b/i],
  // Tight: "change my flight, my phone is ..." is a flight change that gives a phone number.
  [
    'change_address',
    /\b(?:change|update|correct|new)\s+(?:my\s+|the\s+|our\s+)?(?:home\s+|postal\s+|mailing\s+|billing\s+|contact\s+)?(?:address|e-?mail|phone|contact details)\b|\b(?:address|e-?mail|phone(?: number)?)\s+(?:has\s+)?changed\b/i,
  ],
  [
    'baggage_issue',
    new RegExp(
      String.raw`\b${BAG_TROUBLE}\b[^.!?]{0,160}\b${BAG}\b|\b${BAG}\b[^.!?]{0,160}\b(?:${BAG_TROUBLE}|(?:did not|didn't|never|has not|hasn't|have not|haven't)\s+(?:arrived?|shown up|show(?:ed)? up|come|came)|allowance|limit|fees?|policy)\b|\bhow many ${BAG}\b`,
      'i',
    ),
  ],
  [
    'modify_flight',
    /\b(?:change|move|rebook|reschedule|switch|modify|update|upgrade)\b[^.!?]{0,160}\b(?:flights?|seats?|booking|reservation|trip|ticket|departure)\b|\b(?:rebook|reschedul)|\b(?:move|put|switch)\s+me\b|\b(?:earlier|later|different|another)\s+flight\b/i,
  ],
];

export function detectIntent(text: string): Intent {
  for (const [intent, pattern] of INTENTS) if (pattern.test(text)) return intent;
  return 'unknown';
}

export const WEEKDAY = '(?:mon|tues|wednes|thurs|fri|satur|sun)day';
export const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
export const DAY = String.raw`(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?`;
export const YEAR = String.raw`(?:,?\s+\d{4})?`;
// One alternation so that the leftmost date wins; longer forms are listed first.
const DATE = new RegExp(
  [
    String.raw`\b\d{4}-\d{2}-\d{2}\b`,
    String.raw`\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b`,
    String.raw`\b(?:the\s+)?day after tomorrow\b`,
    String.raw`\b(?:next|this|coming)\s+(?:${WEEKDAY}|week(?:end)?|month)\b`,
    String.raw`\b(?:today|tomorrow|tonight)\b`,
    String.raw`\b${MONTH}\.?\s+${DAY}\b${YEAR}`,
    String.raw`\b${DAY}\s+(?:of\s+)?${MONTH}\b${YEAR}`,
    String.raw`\b${WEEKDAY}\b`,
  ].join('|'),
  'i',
);
const TIME =
  /\b(?:(?:[01]?\d|2[0-3]):[0-5]\d(?:\s?(?:am|pm|a\.m\.|p\.m\.))?|(?:1[0-2]|0?[1-9])\s?(?:am|pm|a\.m\.|p\.m\.)|noon|midnight)(?![\w])/i;
// Starts only at the beginning of a run and is bounded, so long words stay linear.
export const EMAIL =
  /(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![\w])/;
// Only after a keyword, so a flight number or a seat is never taken for one.
const BOOKING_REF =
  /\b(?:booking|reservation|reference|ref|confirmation|pnr|locator)\b(?:[\s:#-]+(?:reference|ref|code|number|num|no|is|was)\b\.?)*[\s:#-]+([A-Za-z0-9]{6})\b/gi;
const CURRENCY_SYMBOL: Readonly<Record<string, string>> = { $: 'USD', '€': 'EUR', '£': 'GBP', '¥': 'JPY' };
const CURRENCY_WORD: Readonly<Record<string, string>> = {
  dollar: 'USD',
  dollars: 'USD',
  bucks: 'USD',
  euro: 'EUR',
  euros: 'EUR',
  pound: 'GBP',
  pounds: 'GBP',
};
const CODES = 'USD|EUR|GBP|CAD|AUD|JPY|CHF|NZD|SEK|NOK|DKK|INR|MXN|SGD';
export const NUMBER = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?`;
const AMOUNT_SYMBOL = new RegExp(String.raw`([$€£¥])\s?(${NUMBER})(?![\d])`);
const AMOUNT_AFTER = new RegExp(String.raw`\b(${NUMBER})\s?(${CODES}|dollars?|bucks|euros?|pounds?)\b`, 'i');
const AMOUNT_BEFORE = new RegExp(String.raw`\b(${CODES})\s?(${NUMBER})(?![\d])`, 'i');
// An IATA airline code is two characters (letters, or a letter and a digit).
// Lower case only after the word "flight", so "to 14" is not flight TO14.
const FLIGHT_AFTER_WORD = /\bflight\s+(?:number\s+|no\.?\s*|#\s*)?([a-z][a-z0-9]|[0-9][a-z])\s?(\d{1,4})\b/gi;
const FLIGHT_CODE = /\b([A-Z][A-Z0-9]|[0-9][A-Z])\s?(\d{1,4})\b/g;
// Two-letter words that a customer may write in capitals before a number.
const NOT_AIRLINES = new Set(
  'AM AN AS AT BE BY DO GO HE IF IN IS IT ME MY NO OF OK ON OR PM SO TO UP US WE'.split(' '),
);
// Bounded, so a long run of digits and blanks cannot make it backtrack for long.
export const PHONE = /(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d[\d\s.-]{4,18}\d(?![\w])/;
const SEAT_AFTER_WORD = /\bseats?\b[^.!?\d]{0,24}?\b(\d{1,3}[A-Za-z])\b/i;
const SEAT_ALONE = /\b([1-9]\d?[A-K])\b/;
const ADDRESS =
  /(?<!e-?mail\s)\baddress\b[^.!?]{0,40}?(?:\bis now\b|\bto\b|\bis\b|:)\s*(.+?)(?:,?\s+and\s+(?:my|also|please|update|change)\b|[.!?](?=\s|$)|$)/di;

type Entities = Record<string, unknown>;

/** `{action, ...entities}` with only the entities found, action first. */
export function extractEntities(text: string): Entities {
  const action = detectIntent(text);
  const work = { text };
  const found: Entities = { action };

  const email = take(work, EMAIL);
  const bookingReference = takeBookingReference(work);
  // Before the others, so house numbers and postcodes are not read as flights or phones.
  const address = action === 'change_address' ? takeAddress(work, text) : undefined;
  const date = take(work, DATE);
  const time = take(work, TIME);
  const money = takeAmount(work);
  const flightNumber = takeFlightNumber(work);
  const phone = takePhone(work);
  const seat = takeSeat(work, action === 'modify_flight');

  // Fixed key order, so answers are byte-for-byte reproducible.
  if (date) found.date = date;
  if (time) found.time = time;
  if (flightNumber) found.flightNumber = flightNumber;
  if (seat) found.seat = seat;
  if (bookingReference) found.bookingReference = bookingReference;
  if (money) {
    found.amount = money.amount;
    found.currency = money.currency;
  }
  if (email) found.email = email;
  if (phone) found.phone = phone;
  if (address) found.address = address;
  return found;
}

export interface Work {
  text: string;
}

export function blank(work: Work, index: number, length: number): void {
  work.text = work.text.slice(0, index) + ' '.repeat(length) + work.text.slice(index + length);
}

export function take(work: Work, pattern: RegExp): string | undefined {
  const m = pattern.exec(work.text);
  if (!m) return undefined;
  blank(work, m.index, m[0].length);
  return m[0];
}

function takeBookingReference(work: Work): string | undefined {
  BOOKING_REF.lastIndex = 0;
  for (let m = BOOKING_REF.exec(work.text); m; m = BOOKING_REF.exec(work.text)) {
    const ref = m[1] as string;
    if (/\d/.test(ref) && /[a-z]/i.test(ref)) {
      blank(work, m.index + m[0].length - ref.length, ref.length);
      return ref.toUpperCase();
    }
  }
  return undefined;
}

export function takeAmount(work: Work): { amount: number; currency: string } | undefined {
  const symbol = AMOUNT_SYMBOL.exec(work.text);
  if (symbol) {
    blank(work, symbol.index, symbol[0].length);
    return { amount: toNumber(symbol[2] as string), currency: CURRENCY_SYMBOL[symbol[1] as string] ?? 'USD' };
  }
  const after = AMOUNT_AFTER.exec(work.text);
  if (after) {
    blank(work, after.index, after[0].length);
    return { amount: toNumber(after[1] as string), currency: currencyOf(after[2] as string) };
  }
  const before = AMOUNT_BEFORE.exec(work.text);
  if (before) {
    blank(work, before.index, before[0].length);
    return { amount: toNumber(before[2] as string), currency: currencyOf(before[1] as string) };
  }
  return undefined;
}

function toNumber(digits: string): number {
  return Number(digits.replaceAll(',', ''));
}

function currencyOf(word: string): string {
  return CURRENCY_WORD[word.toLowerCase()] ?? word.toUpperCase();
}

function takeFlightNumber(work: Work): string | undefined {
  for (const pattern of [FLIGHT_AFTER_WORD, FLIGHT_CODE]) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(work.text); m; m = pattern.exec(work.text)) {
      const airline = (m[1] as string).toUpperCase();
      if (NOT_AIRLINES.has(airline)) continue;
      blank(work, m.index, m[0].length);
      return airline + (m[2] as string);
    }
  }
  return undefined;
}

export function takePhone(work: Work): string | undefined {
  const m = PHONE.exec(work.text);
  if (!m) return undefined;
  const digits = m[0].replace(/\D/g, '').length;
  if (digits < 7 || digits > 15) return undefined;
  blank(work, m.index, m[0].length);
  return m[0].trim();
}

// A bare "14A" counts only in a flight change; elsewhere it is more likely "Flat 4B".
function takeSeat(work: Work, bareAllowed: boolean): string | undefined {
  const m = SEAT_AFTER_WORD.exec(work.text) ?? (bareAllowed ? SEAT_ALONE.exec(work.text) : null);
  if (!m) return undefined;
  return (m[1] as string).toUpperCase();
}

function takeAddress(work: Work, original: string): string | undefined {
  const m = ADDRESS.exec(work.text);
  const span = m?.indices?.[1];
  if (!span) return undefined;
  const [start, end] = span;
  // Matched on the working copy (an e-mail there is blanked), cut from the original.
  if (work.text.slice(start, end).trim() === '') return undefined;
  blank(work, start, end - start);
  return original.slice(start, end).trim();
}
