/**
 * A bundle's own `source`, `confidence`, `imclass` or `p_bad` column is kept in its tag files,
 * renamed `<name> (input)`, never dropped; an earlier output's verdict columns are replaced.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTsv, scoredBundleLibrary, type ScoredBundleLibrary } from '../../../test-support/scoredBundle';
import { bundleColumns } from './tags';



describe("a bundle's tag files", () => {
  let dir: string;
  let urls: string[];

  let lib: ScoredBundleLibrary | undefined;

  beforeAll(async () => {
    lib = await scoredBundleLibrary();
    ({ dir, urls } = lib);
  }, 60_000);
  afterAll(async () => {
    await lib?.close();
  });

  const importBundle = (file: string) => lib!.importBundle(file);
  const exportTo = (bundleId: number, out: string) => lib!.exportTo(bundleId, out);

  it("keeps the bundle's own source and confidence columns as `source (input)` and `confidence (input)`, in both files and through a second classify", async () => {
    const file = path.join(dir, 'srcb.tsv');
    const pages = urls.map((_, i) => `https://www.flickr.com/photos/x/${i}`);
    fs.writeFileSync(file, ['eolMediaURL\tidentifier\tsource\tconfidence\tlicense', ...urls.map((u, i) => `${u}\tid${i}\t${pages[i]}\thigh\tcc-by`)].join('\n') + '\n');
    const first = await exportTo(await importBundle(file), 'srcb');
    expect(first.files.map((f) => path.basename(f))).toEqual(['srcb_a.tsv', 'srcb_finaltags.tsv']);
    const chunk = readTsv(first.files[0]!);
    const fin = readTsv(first.files[1]!);
    expect(chunk.header).toEqual(['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry', 'source (input)', 'confidence (input)', 'license', 'imclass', 'confidence']);
    expect(fin.header).toEqual(['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry', 'source (input)', 'confidence (input)', 'license', 'imclass', 'confidence', 'source', 'p_bad']);
    for (const t of [chunk, fin]) {
      expect(t.rows.map((r) => r['source (input)'])).toEqual(pages);
      expect(t.rows.map((r) => r['confidence (input)'])).toEqual(urls.map(() => 'high'));
    }
    expect(new Set(fin.rows.map((r) => r.source))).toEqual(new Set(['model']));

    // The final tags classified again: its verdict columns are replaced, the renamed input columns kept as they are.
    const again = await exportTo(await importBundle(first.files[1]!), 'srcb-again');
    expect(fs.readFileSync(again.files.at(-1)!, 'utf8')).toBe(fs.readFileSync(first.files[1]!, 'utf8'));
    expect(fs.readFileSync(again.files[0]!, 'utf8')).toBe(fs.readFileSync(first.files[0]!, 'utf8'));
  });

  it('names the columns: an earlier output loses its verdict, a taken renamed name gets another (input)', () => {
    expect(bundleColumns(['eolMediaURL', 'imclass', 'confidence', 'source', 'p_bad', 'title'])).toEqual({
      names: ['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry', 'title'],
      from: ['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry', 'title'],
    });
    expect(bundleColumns(['eolMediaURL', 'source', 'source (input)', 'p_bad']).names).toEqual([
      'eolMediaURL',
      'identifier',
      'dataObjectVersionID',
      'ancestry',
      'source (input) (input)',
      'source (input)',
      'p_bad (input)',
    ]);
  });
});
