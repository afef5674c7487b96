/**
 * Names in a customer's text: runs of capitalised words ("Acme Furniture",
 * "Leeds LS1", "Unlimited 5G"), found next to the words that say what they
 * are ("from", "in", "going to", "... plan"). Positions are the text's own, so
 * values are cut from the customer's wording. Linear scans, no regular
 * expression over the whole run.
 */

export interface Word {
  /** without surrounding quotes, brackets and punctuation */
  bare: string;
  lower: string;
  start: number;
  end: number;
  /** the word ends a clause (a comma, full stop ... after it) */
  closes: boolean;
}

export interface Span {
  start: number;
  end: number;
}

const MAX_RUN = 5;
const LEADING = /^["'(\u201c\u2018[]+/u;
const TRAILING = /["')\]\u201d\u2019]*[,.;:!?]*["')\]\u201d\u2019]*$/u;
const CLOSING = /[,.;:!?]/;
const CAP_START = /^\p{Lu}[\p{L}\p{N}'&.+-]*$/u;
const HOUSE_NUMBER = /^\d{1,4}[A-Za-z]?$/;
const CAP_PART = /^[\p{Lu}\p{N}][\p{L}\p{N}'&.+-]*$/u;
// inside a name only between two capitalised words: "Bank of Ireland", "Marks & Spencer"
const CONNECTORS: ReadonlySet<string> = new Set(['of', '&', 'and', 'de', 'upon', 'on-sea']);
// capitalised, but not names: the customer, months and days (dates are their own entities)
const NOT_NAMES: ReadonlySet<string> = new Set(
  [
    "i i'm i'd i've i'll im",
    'january february march april may june july august september october november december',
    'jan feb mar apr jun jul aug sep sept oct nov dec',
    'monday tuesday wednesday thursday friday saturday sunday',
  ]
    .join(' ')
    .split(' '),
);

export function words(text: string): Word[] {
  const out: Word[] = [];
  for (const m of text.matchAll(/\S+/g)) {
    const raw = m[0];
    const lead = LEADING.exec(raw)?.[0].length ?? 0;
    const trail = TRAILING.exec(raw.slice(lead))?.[0] ?? '';
    const bare = raw.slice(lead, raw.length - trail.length);
    if (bare === '') continue;
    const start = m.index + lead;
    out.push({
      bare,
      lower: bare.toLowerCase().replaceAll('’', "'"),
      start,
      end: start + bare.length,
      closes: CLOSING.test(trail),
    });
  }
  return out;
}

function capStart(w: Word | undefined): boolean {
  return w !== undefined && CAP_START.test(w.bare) && !NOT_NAMES.has(w.lower);
}

function capPart(w: Word | undefined): boolean {
  return w !== undefined && CAP_PART.test(w.bare) && !NOT_NAMES.has(w.lower);
}

/**
 * Whether b follows a in one clause: no punctuation between them, and no span
 * another entity took (blanked to spaces) either, so a name never straddles one.
 */
function next(a: Word, b: Word): boolean {
  return !a.closes && b.start - a.end <= 2;
}

/** The name that starts at word i, up to MAX_RUN words and the end of the clause. */
export function nameFrom(ws: readonly Word[], i: number): Span | undefined {
  const first = ws[i];
  // a street's house number comes first: "at 12 High Street"
  const house =
    first !== undefined && HOUSE_NUMBER.test(first.bare) && capStart(ws[i + 1]) && next(first, ws[i + 1] as Word);
  if (!first || !(capStart(first) || house)) return undefined;
  let end = first.end;
  let count = 1;
  for (let k = i + 1; k < ws.length && count < MAX_RUN && next(ws[k - 1] as Word, ws[k] as Word); k++) {
    const w = ws[k] as Word;
    if (capPart(w)) {
      end = w.end;
      count += 1;
    } else if (!(CONNECTORS.has(w.lower) && capPart(ws[k + 1]) && next(w, ws[k + 1] as Word))) break;
  }
  return { start: first.start, end };
}

/** The name that ends just before word i ("the Unlimited 5G plan"): capitalised words, the first a letter. */
export function nameBefore(ws: readonly Word[], i: number): Span | undefined {
  let k = i - 1;
  let start = -1;
  for (let count = 0; k >= 0 && count < MAX_RUN; k--, count++) {
    const w = ws[k] as Word;
    if (!capPart(w) || !next(w, ws[k + 1] as Word)) break;
    if (capStart(w)) start = k;
  }
  if (start < 0) return undefined;
  return { start: (ws[start] as Word).start, end: (ws[i - 1] as Word).end };
}

/** Whether the words just before index i are the cue, in one clause ("the" may follow it: "going to the USA"). */
export function afterCue(ws: readonly Word[], i: number, cue: readonly string[]): boolean {
  if (cueEndsAt(ws, i, cue)) return true;
  const the = ws[i - 1];
  return the?.lower === 'the' && !the.closes && cueEndsAt(ws, i - 1, cue);
}

// The cue's words are the ones just before index i, with no clause break among them or after.
function cueEndsAt(ws: readonly Word[], i: number, cue: readonly string[]): boolean {
  if (i < cue.length) return false;
  for (let j = 0; j < cue.length; j++) {
    const w = ws[i - cue.length + j] as Word;
    if (w.lower !== cue[j] || w.closes) return false;
  }
  return true;
}

/** A phrase's words in lower case, as `afterCue` compares them. */
export function cueWords(cue: string): string[] {
  return cue.toLowerCase().split(/\s+/).filter(Boolean);
}
