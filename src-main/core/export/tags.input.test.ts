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

  it('keeps every unnamed (empty) header column with its own cells, in both files and through a second classify (audit M1)', async () => {
    const lines = (f: string) => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
    // An unnamed column, then a spreadsheet's trailing tab: the second must not take the first's cells.
    const trailing = path.join(dir, 'trail_hdr.tsv');
    fs.writeFileSync(trailing, ['eolMediaURL\t\tidentifier\t', ...urls.map((u, i) => `${u}\tVALUE${i}\tid${i}\t`)].join('\n') + '\n');
    const t = await exportTo(await importBundle(trailing), 'trail');
    for (const f of t.files) {
      const [header, ...rows] = lines(f);
      expect(header!.slice(0, 6)).toEqual(['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry', '', '']);
      expect(rows.map((r) => r.slice(0, 6))).toEqual(urls.map((u, i) => [u, `id${i}`, '', '', `VALUE${i}`, '']));
    }
    // Two unnamed columns with a named one between them, each holding its own value.
    const two = path.join(dir, 'empty_hdr.tsv');
    fs.writeFileSync(two, ['eolMediaURL\tidentifier\t\tnote\t', ...urls.map((u, i) => `${u}\tid${i}\tFIRST${i}\tn${i}\tSECOND${i}`)].join('\n') + '\n');
    const first = await exportTo(await importBundle(two), 'empty');
    for (const f of first.files) {
      const [header, ...rows] = lines(f);
      expect(header!.slice(0, 7)).toEqual(['eolMediaURL', 'identifier', 'dataObjectVersionID', 'ancestry', '', 'note', '']);
      expect(rows.map((r) => r.slice(0, 7))).toEqual(urls.map((u, i) => [u, `id${i}`, '', '', `FIRST${i}`, `n${i}`, `SECOND${i}`]));
    }
    // Its final tags classified again write the same bytes.
    const again = await exportTo(await importBundle(first.files.at(-1)!), 'empty-again');
    expect(fs.readFileSync(again.files.at(-1)!, 'utf8')).toBe(fs.readFileSync(first.files.at(-1)!, 'utf8'));
  });

  it('reads a bundle stored before unnamed columns had keys of their own as it did then (one unnamed cell in every unnamed column)', async () => {
    const file = path.join(dir, 'old_unnamed.tsv');
    fs.writeFileSync(file, ['eolMediaURL\tidentifier\t\tnote\t', ...urls.map((u, i) => `${u}\tid${i}\tFIRST\tn\tSECOND`)].join('\n') + '\n');
    const bundleId = await importBundle(file);
    const { db } = lib!.core.context;
    // What an earlier version stored: '' twice in the columns, one '' cell (the last one's) in each row.
    db.prepare('UPDATE bundles SET columns = ? WHERE id = ?').run(JSON.stringify(['eolMediaURL', 'identifier', '', 'note', '']), bundleId);
    db.prepare(
      `UPDATE source_rows SET raw = json_object('eolMediaURL', url, 'identifier', json_extract(raw, '$.identifier'), '', 'SECOND', 'note', 'n')
       WHERE id IN (SELECT source_row_id FROM bundle_items WHERE bundle_id = ?)`,
    ).run(bundleId);
    const out = await exportTo(bundleId, 'old-unnamed');
    const rows = fs.readFileSync(out.files[0]!, 'utf8').split('\n').slice(1, -1).map((l) => l.split('\t').slice(4, 7));
    expect(rows).toEqual(urls.map(() => ['SECOND', 'n', 'SECOND']));
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
