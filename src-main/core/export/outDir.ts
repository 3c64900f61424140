/**
 * Where an export may write: never inside the library's own folder. The library manages every
 * file there (tmp/ is emptied at each open, files in originals/ that no image names are flagged for
 * deletion), so an export written there would be reported "Wrote …" and then lost. One check, made
 * by every export method (tags, classify's tag files, training folders, models, graphs) before it
 * does any work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { QcError } from '../../../src-shared/contract/errors';

function identity(p: string): { dev: bigint; ino: bigint } | null {
  try {
    const st = fs.statSync(p, { bigint: true });
    return { dev: st.dev, ino: st.ino };
  } catch {
    return null;
  }
}

/** The real path of `p`'s nearest existing folder (itself, or the closest parent that exists), links resolved. */
function nearestReal(p: string): string | null {
  for (let q = p; ; ) {
    try {
      return fs.realpathSync(q);
    } catch {
      const up = path.dirname(q);
      if (up === q) return null;
      q = up;
    }
  }
}

/**
 * Refuse (`bad_input`) an `outDir` that is the library folder `root` or lies anywhere below it, as
 * the file system sees it: by the folders' identity (device and inode), so a link to the library, a
 * path through one, another spelling of it on a case-insensitive file system or a bind mount are all
 * caught; a folder that does not exist yet is judged by its nearest existing parent.
 */
export function refuseInsideLibrary(outDir: string, root: string): void {
  const dir = path.resolve(outDir);
  const lib = path.resolve(root);
  const refuse = () =>
    new QcError('bad_input', `the export folder is inside the library folder (${lib}), whose files Quality Curator manages and may delete at the next open; choose a folder outside the library`, { file: dir });
  const rel = path.relative(lib, dir);
  if (!rel || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))) throw refuse();
  const want = identity(lib);
  const real = nearestReal(dir);
  if (!want || !real) return;
  for (let q = real; ; ) {
    const id = identity(q);
    if (id && id.dev === want.dev && id.ino === want.ino) throw refuse();
    const up = path.dirname(q);
    if (up === q) return;
    q = up;
  }
}
