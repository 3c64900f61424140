/**
 * Why an argument was refused, in words a curator reads ("must be at most 1", "must be a whole
 * number, not text"): the reasons of every `invalid_argument` the schemas raise (schemas.ts
 * checkArgs, and parseOption for `qc`'s options). zod's own messages ("Too big: expected number to
 * be <=1") were written for programmers; this is zod 4's per-parse error map, so a schema's own
 * message (`.min(1, 'must not be empty')`, a refinement's) still wins, and a kind of issue not
 * worded here keeps zod's message. Ours because it is our wording; the mechanism is zod's.
 */
import type { z } from 'zod';
import { noun } from '../domain/words';

/** "1 item", "1,000 characters": words.ts countOf, with the count grouped for reading. */
const plural = (n: number | bigint, one: string) => `${n.toLocaleString('en')} ${noun(Number(n), one)}`;
/** A bound as it would be typed (65535, 0.001), not grouped for reading. */
const bound = (n: number | bigint) => n.toLocaleString('en', { useGrouping: false, maximumFractionDigits: 20 });

/** What a value of zod's expected type is called ("a number", "a list"). */
const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object with named fields',
  record: 'an object with named fields',
  null: 'null',
  date: 'a date',
};

/** What the value given is ("text", "a list"), for "…, not text". */
function given(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  switch (typeof input) {
    case 'number':
      return String(input); // "must be a whole number, not 1.5"
    case 'string':
      return 'text';
    case 'boolean':
      return input ? 'true' : 'false';
    case 'object':
      return 'an object';
    default:
      return typeof input;
  }
}

/** A value of an enum or literal as it is written in a call ("good", 3, null). */
function literal(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : String(v);
}

/** How many of what a size limit counts, by the kind of value it limits. */
function sized(origin: string, n: number | bigint): string | null {
  if (origin === 'string') return plural(n, 'character');
  if (origin === 'array' || origin === 'set') return plural(n, 'item');
  return null;
}

/** How many unknown fields an error names, and how much of each name it repeats. */
const SHOWN_KEYS = 3;
const SHOWN_KEY_CHARS = 40;

/**
 * Unknown field names as an error repeats them: the first few, each cut short and quoted with its
 * control characters escaped (JSON's quoting), so a caller's names cannot make the answer huge or
 * carry terminal escapes into whatever prints it.
 */
function shownKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, SHOWN_KEYS).map((k) => JSON.stringify(k.length > SHOWN_KEY_CHARS ? `${k.slice(0, SHOWN_KEY_CHARS)}…` : k));
  const more = keys.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more.toLocaleString('en')} more` : shown.join(', ');
}

/**
 * The words for one issue, or undefined to keep zod's message (kinds not worded here). `sayGiven`:
 * whether a wrong type also says what was given ("…, not a list"); off where the caller quotes what
 * was typed itself (optionIssueWords).
 */
export function argumentIssueWords(issue: z.core.$ZodRawIssue, sayGiven = true): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const expected = EXPECTED[issue.expected];
      if (!expected) return undefined;
      // NaN is what a number typed as words parses to ("abc"): the value typed says more than "not NaN".
      return !sayGiven || Number.isNaN(issue.input) ? `must be ${expected}` : `must be ${expected}, not ${given(issue.input)}`;
    }
    case 'too_big': {
      const size = sized(issue.origin, issue.maximum);
      if (size) return issue.exact ? `must have exactly ${size}` : `must have at most ${size}`;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${bound(issue.maximum)}`;
      return undefined;
    }
    case 'too_small': {
      const size = sized(issue.origin, issue.minimum);
      if (size) return issue.exact ? `must have exactly ${size}` : Number(issue.minimum) === 1 ? 'must not be empty' : `must have at least ${size}`;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${bound(issue.minimum)}`;
      return undefined;
    }
    case 'invalid_value':
      if (issue.input === undefined) return 'is required';
      return issue.values.length === 1 ? `must be ${literal(issue.values[0])}` : `must be one of ${issue.values.map(literal).join(', ')}`;
    case 'unrecognized_keys':
      return `${noun(issue.keys.length, 'unknown field')} ${shownKeys(issue.keys)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
}

/** The same for a `qc` option, whose refusal quotes what was typed (`--timeout: must be a whole number, got "1.5"`). */
export const optionIssueWords = (issue: z.core.$ZodRawIssue): string | undefined => argumentIssueWords(issue, false);
