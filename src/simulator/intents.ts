import { GENERIC_WORDS, INTENT_SYNONYMS, NO_INTENT, STOP_WORDS, VALUE_SYNONYMS } from './vocabulary.js';
import { findPhrase, nameWords, phrase, type Token, tokens } from './words.js';

/**
 * The simulated extractor's choice among a schema's intents and enum values,
 * by the words the customer used. Deterministic: the same text and names
 * always give the same answer, and a tie or no match gives none, so the
 * simulator says "unknown" rather than guess.
 */

/**
 * The intent, of `intents` (the `action` enum), whose words the text shows
 * best: each distinct word or phrase of the intent (its own name's words and
 * INTENT_SYNONYMS) found in the text, a phrase's words one after another,
 * scores 1, or 0.5 when it says little:
 * a generic word ("change", "report") or one that names several of the
 * intents ("card" in report_lost_card and report_stolen_card). An intent
 * needs one match worth 1; a tie for the best is no answer.
 */
export function intentOf(text: string, intents: readonly string[]): string | undefined {
  const words = tokens(text);
  const candidates = intents
    .filter((i) => !NO_INTENT.has(i))
    .map((intent) => ({ intent, phrases: intentPhrases(intent) }));
  const named = new Map<string, number>();
  for (const { phrases } of candidates)
    for (const p of phrases) named.set(p.join(' '), (named.get(p.join(' ')) ?? 0) + 1);

  let best: string | undefined;
  let bestScore = 0;
  let tie = false;
  for (const { intent, phrases } of candidates) {
    let score = 0;
    let strong = false;
    for (const stems of phrases) {
      if (findPhrase(words, stems) < 0) continue;
      const weak = isGeneric(stems) || (named.get(stems.join(' ')) ?? 0) > 1;
      score += weak ? 0.5 : 1;
      strong ||= !weak;
    }
    if (!strong || score < bestScore) continue;
    tie = score === bestScore;
    if (!tie) {
      best = intent;
      bestScore = score;
    }
  }
  return tie ? undefined : best;
}

/** The stems of everything that may name the intent, each once. */
export function intentPhrases(intent: string): string[][] {
  const own = nameWords(intent).filter((w) => !STOP_WORDS.has(w));
  return unique([...own, ...(INTENT_SYNONYMS[intent] ?? [])].map(phrase).filter((p) => p.length > 0));
}

/**
 * The enum value the text names, of `values`: a value is named when every
 * word of one of its phrases (VALUE_SYNONYMS, else its own name's words)
 * appears in the text. The value with the longest such phrase wins, then the
 * one named first, then the first in the enum. "other" and the like are never named.
 */
export function enumValueOf(text: string | readonly Token[], values: readonly unknown[]): string | undefined {
  const words = typeof text === 'string' ? tokens(text) : text;
  let best: { value: string; length: number; at: number } | undefined;
  for (const value of values) {
    if (typeof value !== 'string' || NO_INTENT.has(value)) continue;
    for (const stems of valuePhrases(value)) {
      const at = allAt(words, stems);
      if (at < 0) continue;
      if (!best || stems.length > best.length || (stems.length === best.length && at < best.at)) {
        best = { value, length: stems.length, at };
      }
    }
  }
  return best?.value;
}

function valuePhrases(value: string): string[][] {
  const listed = VALUE_SYNONYMS[value];
  const phrases = listed
    ? listed.map(phrase)
    : [
        nameWords(value)
          .filter((w) => !STOP_WORDS.has(w))
          .join(' '),
      ].map(phrase);
  return phrases.filter((p) => p.length > 0);
}

/** Where the first of the stems appears when all of them appear, in any order; else -1. */
function allAt(words: readonly Token[], stems: readonly string[]): number {
  let first = -1;
  for (const s of stems) {
    const i = words.findIndex((w) => w.stem === s);
    if (i < 0) return -1;
    if (first < 0 || i < first) first = i;
  }
  return first;
}

const GENERIC_STEMS: ReadonlySet<string> = new Set([...GENERIC_WORDS, ...STOP_WORDS].flatMap(phrase));

function isGeneric(stems: readonly string[]): boolean {
  return stems.every((s) => GENERIC_STEMS.has(s));
}

function unique(phrases: string[][]): string[][] {
  const seen = new Set<string>();
  return phrases.filter((p) => {
    const key = p.join(' ');
    return !seen.has(key) && seen.add(key);
  });
}
