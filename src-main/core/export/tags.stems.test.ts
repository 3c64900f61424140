/**
 * Two bundles whose tag-file stems differ only in case (`/a/Zeta.tsv`, `/b/zeta.tsv`) would write
 * one file on macOS and Windows: the later one gets the hash of its origin. A bundle named
 * `library.tsv` would write the library's own `library_finaltags.tsv`: it always gets the hash.
 * Real library, real imports and exports.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTsv, useScoredBundleLibrary } from '../../../test-support/scoredBundle';
import { folderKey } from './portableName';
import { bundleTagBase, exportLibrary } from './tags';

describe('tag-file stems a case-insensitive file system or the library file would merge', () => {
  const lib = useScoredBundleLibrary();


  it('gives a bundle whose stem differs only in case, and a bundle named library, the hash of its origin', async () => {
    const zeta = lib.writeBundle('a/Zeta.tsv', lib.urls.slice(0, 2));
    const zeta2 = lib.writeBundle('b/zeta.tsv', lib.urls.slice(2, 4));
    const library = lib.writeBundle('a/library.tsv', lib.urls.slice(4, 6));
    const ids = [await lib.importBundle(zeta), await lib.importBundle(zeta2), await lib.importBundle(library)];
    const hash = (f: string) => createHash('sha1').update(f).digest('hex').slice(0, 8);
    const { db } = lib.core.context;
    expect(ids.map((id) => bundleTagBase(db, id))).toEqual(['Zeta', `zeta-${hash(zeta2)}`, `library-${hash(library)}`]);
    const out = path.join(lib.dir, 'out-case');
    const written = [];
    for (const id of ids) written.push(...(await lib.exportTo(id, out)).files.map((f) => path.basename(f)));
    // Distinct even where case is not told apart (macOS, Windows).
    expect(new Set(written.map(folderKey)).size).toBe(written.length);
    await exportLibrary(db, { runId: lib.run, threshold: 0.7, outDir: out });
    // Each bundle's final tags still hold its own rows after the library's export into the same folder.
    const rowsOf = (base: string) => readTsv(path.join(out, `${base}_finaltags.tsv`)).rows.map((r) => r.identifier);
    expect(rowsOf('Zeta')).toEqual(['a/Zeta.tsv-0', 'a/Zeta.tsv-1']);
    expect(rowsOf(`zeta-${hash(zeta2)}`)).toEqual(['b/zeta.tsv-0', 'b/zeta.tsv-1']);
    expect(rowsOf(`library-${hash(library)}`)).toEqual(['a/library.tsv-0', 'a/library.tsv-1']);
    expect(readTsv(path.join(out, 'library_finaltags.tsv')).header[0]).toBe('image_id');
  });
});
