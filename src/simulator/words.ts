/**
 * Words for the simulator's vocabulary matching: a customer's text and a
 * schema's names (`report_lost_card`, `cardLast4`) cut into lower-case words
 * with crude stems, so "charged", "charges" and "charge" meet. Pure, no I/O;
 * every loop is linear in the text.
 */

export interface Token {
  /** lower case, curly apostrophe straightened */
  word: string;
  stem: string;
}

const WORD = /[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu;
// One suffix at most, and a stem keeps three letters: enough for the words
// the vocabulary holds, and "charges" / "charged" / "charge" all give "charg".
const SUFFIXES = ['ing', 'ed', 'es', 's', 'e', 'd'] as const;

export function tokens(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.replaceAll('’', "'").toLowerCase().matchAll(WORD)) {
    out.push({ word: m[0], stem: stem(m[0]) });
  }
  return out;
}

export function stem(word: string): string {
  let w = word.toLowerCase().replaceAll('’', "'");
  if (w.endsWith("'s")) w = w.slice(0, -2);
  for (const suffix of SUFFIXES) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) return w.slice(0, -suffix.length);
  }
  return w;
}

/** "never made" → ["never", "mad"]: a phrase as the stems it must show, in order. */
export function phrase(text: string): string[] {
  return tokens(text).map((t) => t.stem);
}

/** Where the phrase's stems first appear one after another in the text, or -1. */
export function findPhrase(text: readonly Token[], stems: readonly string[]): number {
  if (stems.length === 0) return -1;
  outer: for (let i = 0; i + stems.length <= text.length; i++) {
    for (let j = 0; j < stems.length; j++) if (text[i + j]?.stem !== stems[j]) continue outer;
    return i;
  }
  return -1;
}

/** `report_lost_card` → report, lost, card; `cardLast4` → card, last, 4; `planName` → plan, name. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z0-9])/g, '$1 $2')
    .replace(/([0-9])([A-Za-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}
