/**
 * Counts in words, for every front door's sentences (the CLI's lines, the core's messages, the
 * app's): "1 file", "2 files", never "1 file(s)". The app's tables format the number too
 * (src-renderer/components/format.ts fmtCount) and take the noun from here.
 */

/** The noun for a count of `n`: `one` when n is 1, else `many` (default `one` + "s"). */
export function noun(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** `n` and the noun for it: "1 file", "0 files", "3 entries". */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${n} ${noun(n, one, many)}`;
}
