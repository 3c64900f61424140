/**
 * Where an export may write: never inside the library's own folder. The library manages every
 * file there (tmp/ is emptied at each open, files in originals/ that no image names are flagged for
 * deletion), so an export written there would be reported "Wrote …" and then lost. One check, made
 * by every export method (tags, classify's tag files, training folders, models, graphs) before it
 * does any work. And a command that fails or is cancelled leaves no folder it made itself
 * ({@link withOutDir}).
 */
import fs from 'node:fs';
import path from 'node:path';
import { QcError } from '../../../src-shared/contract/errors';
import { isInLibrary } from '../library/inLibrary';

/**
 * Refuse (`bad_input`) an `outDir` that is the library folder `root` or lies anywhere below it, as
 * the file system sees it (library/inLibrary.ts: by the folders' identity, links and other spellings
 * caught; a folder that does not exist yet is judged by its nearest existing parent).
 */
export function refuseInsideLibrary(outDir: string, root: string): void {
  if (!isInLibrary(outDir, root)) return;
  throw new QcError('bad_input', `the export folder is inside the library folder (${path.resolve(root)}), whose files Quality Curator manages and may delete at the next open; choose a folder outside the library`, { file: path.resolve(outDir) });
}

/**
 * The folders of `dir`'s path that do not exist yet (an export would make them), deepest first.
 * Stops at the first that is there as anything (a file included) or cannot be looked at.
 */
export function missingFolders(dir: string): string[] {
  const out: string[] = [];
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    let there: boolean;
    try {
      there = fs.lstatSync(p, { throwIfNoEntry: false }) !== undefined;
    } catch {
      there = true; // ENOTDIR, EACCES: nothing to make here
    }
    if (there) return out;
    out.push(p);
    if (path.dirname(p) === p) return out;
  }
}

/**
 * Run `work` (an export or classify into `outDir`); when it fails or is cancelled, remove the
 * folders of `outDir`'s path it made (those missing before it ran) that are still empty, deepest
 * first: a refused bundle, a missing input or a cancel leaves no empty folder tree behind. Each is
 * removed by rmdir, which removes only an empty folder and never follows a link: a folder that
 * holds anything (a shard copy, another process's stage, a file of the user's) stays, and so do
 * those above it.
 */
export async function withOutDir<T>(outDir: string, work: () => Promise<T>): Promise<T> {
  const made = missingFolders(outDir);
  try {
    return await work();
  } catch (e) {
    for (const f of made) {
      try {
        fs.rmdirSync(f);
      } catch {
        break;
      }
    }
    throw e;
  }
}
