/**
 * A library kept between `report:ml -- --leave-kind-out --data DIR` runs belongs to one split: the
 * run that made it unlabelled that split's held-out images and wrote benign edits of their good
 * images only (`benign-edits/<id>-<kind>.jpg`). Reused with another `--seed` or `--holdout`, the
 * first split's held-out photos would stay unlabelled beside the second's (fewer training photos)
 * and the benign edits would be of training photos (a benign rate that means nothing). The edits'
 * file names say which split made the folder, so a mismatch is found without a marker file, in
 * folders kept from before this check too.
 */

/** The file name of a benign edit: the original's id and the edit's kind (`<id>-<kind>.jpg`). */
export function benignEditFile(original: string, kind: string): string {
  return `${original}-${kind}.jpg`;
}

/** What a benign edit's file name says (benignEditFile), or null for any other name. */
export function parseBenignEditFile(name: string): { original: string; kind: string } | null {
  const m = /^(.+)-([a-z_]+)\.jpg$/.exec(name);
  return m ? { original: m[1]!, kind: m[2]! } : null;
}

/** The original image ids behind a folder of benign edits (other names ignored). */
export function benignOriginals(fileNames: readonly string[]): Set<string> {
  const ids = new Set<string>();
  for (const f of fileNames) {
    const e = parseBenignEditFile(f);
    if (e) ids.add(e.original);
  }
  return ids;
}

/**
 * Null when the kept folder's benign edits are of exactly the good images this split holds out;
 * otherwise why the folder cannot be reused with these arguments.
 */
export function keptSplitMismatch(fileNames: readonly string[], expectedOriginals: ReadonlySet<string>, args: string): string | null {
  const have = benignOriginals(fileNames);
  const missing = [...expectedOriginals].filter((id) => !have.has(id));
  const extra = [...have].filter((id) => !expectedOriginals.has(id));
  if (!missing.length && !extra.length) return null;
  const sample = (ids: string[]) => ids.slice(0, 3).join(', ') + (ids.length > 3 ? ', …' : '');
  return (
    `this kept library was made for another split than ${args}: its benign edits are of ${have.size} good images, ` +
    `${extra.length} of them not held out now (${sample(extra) || 'none'}), and ${missing.length} held-out good images have none (${sample(missing) || 'none'}); ` +
    `its labels would still hide the other split's photos. Use a fresh --data folder for each --seed and --holdout.`
  );
}
