/**
 * Two bundles with the same file name in different folders (`/a/bundle.tsv`, `/b/bundle.tsv`, no
 * URL query) exported into one folder each keep their own tag files: the first imported keeps the
 * plain name, the later one gets 8 hex digits of the SHA-1 of its full path, and neither name
 * changes when the other is imported or exported again. A real library, real imports and exports.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTsv, useScoredBundleLibrary } from '../../../test-support/scoredBundle';
import { bundleTagBase } from './tags';

describe('tag files of two bundles with one file name', () => {
  const lib = useScoredBundleLibrary();

  const bundleFile = (folder: string, urls: string[]) => {
    const f = path.join(lib.dir, folder, 'bundle.tsv');
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, ['eolMediaURL\tidentifier', ...urls.map((u, i) => `${u}\t${folder}-${i}`)].join('\n') + '\n');
    return f;
  };

  it('writes distinct, stable names into one output folder', async () => {
    const a = bundleFile('a', lib.urls.slice(0, 2));
    const b = bundleFile('b', lib.urls.slice(2, 5));
    const idA = await lib.importBundle(a);
    const first = (await lib.exportTo(idA, 'out')).files.map((f) => path.basename(f));
    expect(first).toEqual(['bundle_a.tsv', 'bundle_finaltags.tsv']);
    const idB = await lib.importBundle(b);
    expect(idB).not.toBe(idA);
    const hash = createHash('sha1').update(b).digest('hex').slice(0, 8);
    const second = (await lib.exportTo(idB, 'out')).files.map((f) => path.basename(f));
    expect(second).toEqual([`bundle-${hash}_a.tsv`, `bundle-${hash}_finaltags.tsv`]);
    // Both sets are there, each with its own bundle's rows.
    const out = path.join(lib.dir, 'out');
    expect(fs.readdirSync(out).filter((n) => n.endsWith('.tsv')).sort()).toEqual([...first, ...second].sort());
    expect(readTsv(path.join(out, 'bundle_finaltags.tsv')).rows.map((r) => r.identifier)).toEqual(['a-0', 'a-1']);
    expect(readTsv(path.join(out, `bundle-${hash}_finaltags.tsv`)).rows.map((r) => r.identifier)).toEqual(['b-0', 'b-1', 'b-2']);
    // Stable: the first keeps its plain name after the second exists, and each import again keeps its bundle and names.
    expect((await lib.exportTo(idA, 'out')).files.map((f) => path.basename(f))).toEqual(first);
    expect(await lib.importBundle(b)).toBe(idB);
    expect(bundleTagBase(lib.core.context.db, idB)).toBe(`bundle-${hash}`);
    expect(bundleTagBase(lib.core.context.db, idA)).toBe('bundle');
  });
});
