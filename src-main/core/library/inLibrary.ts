/**
 * Whether a path lies in the library's own folder. The library manages every file there (the
 * database, copies of imported pictures, thumbnails, previews, tmp/), so nothing may be exported
 * into it (export/outDir.ts) and nothing in it may be imported as a picture (importer.ts: a chosen
 * folder, a mirror folder, a `file:` URL): its thumbnails would come back as new, unlabelled
 * near-duplicates of the images they show.
 */
import fs from 'node:fs';
import path from 'node:path';

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
 * Whether `p` is the library folder `root` or lies anywhere below it, as the file system sees it:
 * by the folders' identity (device and inode), so a link to the library, a path through one,
 * another spelling of it on a case-insensitive file system or a bind mount are all caught; a path
 * that does not exist yet is judged by its nearest existing parent.
 */
export function isInLibrary(p: string, root: string): boolean {
  const dir = path.resolve(p);
  const lib = path.resolve(root);
  const rel = path.relative(lib, dir);
  if (!rel || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))) return true;
  const want = identity(lib);
  const real = nearestReal(dir);
  if (!want || !real) return false;
  for (let q = real; ; ) {
    const id = identity(q);
    if (id && id.dev === want.dev && id.ino === want.ino) return true;
    const up = path.dirname(q);
    if (up === q) return false;
    q = up;
  }
}

/**
 * A test of whether a folder (followed if a link) is the library folder `root` itself, by identity;
 * the library's identity is read once, so a folder scan pays one stat per folder it lists.
 */
export function isLibraryFolderTest(root: string): (p: string | Buffer) => boolean {
  const lib = identity(path.resolve(root));
  if (!lib) return () => false;
  return (p) => {
    try {
      const st = fs.statSync(p, { bigint: true });
      return st.dev === lib.dev && st.ino === lib.ino;
    } catch {
      return false;
    }
  };
}

/** Why the library's files are not pictures to import (completes "the folder is inside the library folder (…), "). */
export const IN_LIBRARY_WHY = 'whose files (copies of imported pictures, thumbnails, previews) Quality Curator keeps: imported, they would come back as new, unlabelled copies of its images';

/** Why a folder or file of the library is not imported (a folder import's problem, a URL's failure). */
export const IN_LIBRARY = `the library's own folder, ${IN_LIBRARY_WHY}`;

/** The library folder's real path (links resolved), or its path as given where it cannot be resolved. */
export function realLibrary(root: string): string {
  try {
    return fs.realpathSync(root);
  } catch {
    return path.resolve(root);
  }
}
