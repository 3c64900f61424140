/**
 * Where an export may write: never inside the library's own folder. The library manages every
 * file there (tmp/ is emptied at each open, files in originals/ that no image names are flagged for
 * deletion), so an export written there would be reported "Wrote …" and then lost. One check, made
 * by every export method (tags, classify's tag files, training folders, models, graphs) before it
 * does any work.
 */
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
