/**
 * A mirror: URLs starting with `prefix` are read from files under `dir` instead of downloaded.
 * Written `PREFIX=DIR` on the command line and in the app's mirror fields. The LAST `=` separates:
 * URL prefixes may hold `=` (query strings, signed links), folders practically never do, and a
 * Windows folder (`C:\images`) has a drive colon, never an `=`.
 */
export interface MirrorSpec {
  prefix: string;
  dir: string;
}

/** Split `PREFIX=DIR` at its last `=`; null when either side would be empty. */
export function splitMirrorSpec(spec: string): MirrorSpec | null {
  const at = spec.lastIndexOf('=');
  if (at <= 0 || at === spec.length - 1) return null;
  return { prefix: spec.slice(0, at), dir: spec.slice(at + 1) };
}
