/**
 * The formula escape of exported cells is undone on read: classifying an earlier output again,
 * any number of times, writes the same files (a genuine leading ' round-trips too).
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTsvCell, tsvCell } from '../../../src-shared/domain/tsv';
import { readTsv, scoredBundleLibrary, type ScoredBundleLibrary } from '../../../test-support/scoredBundle';
import { fuzzParams } from '../../../test-support/fuzz';
import type { Core } from '../app';
import { tsvCells } from '../library/parse';



describe("a bundle's tag files", () => {
  let dir: string;
  let core: Core;
  let urls: string[];

  let lib: ScoredBundleLibrary | undefined;

  beforeAll(async () => {
    lib = await scoredBundleLibrary();
    ({ dir, core, urls } = lib);
  }, 60_000);
  afterAll(async () => {
    await lib?.close();
  });

  const importBundle = (file: string) => lib!.importBundle(file);
  const exportTo = (bundleId: number, out: string) => lib!.exportTo(bundleId, out);

  it("property: the formula escape is undone exactly on read (a genuine leading ' too)", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('=', '+', '-', '@', '"', "'", ' ', '1', '.', 'e'), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 20 }), (s) => {
        const noBreaks = s.replace(/[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/g, ' '); // eslint-disable-line no-control-regex
        expect(readTsvCell(tsvCells(tsvCell(noBreaks)).cells[0]!)).toBe(noBreaks);
      }),
      fuzzParams(500),
    );
  });

  it('classify of an earlier output keeps formula-like cells as they were: the same files round after round', async () => {
    const cells = ['=HYPERLINK("http://evil")', '+cmd', '@SUM(1)', "'=x", "'plain", '-0.5'];
    const titles = ['- untitled', "''=2", ' =3', '"quoted', 'ok', '@'];
    const file = path.join(dir, 'formula.tsv');
    fs.writeFileSync(file, ['eolMediaURL\tidentifier\ttitle', ...urls.map((u, i) => `${u}\t${cells[i]}\t${titles[i]}`)].join('\n') + '\n');
    const round1 = await exportTo(await importBundle(file), 'round1');
    const fin1 = fs.readFileSync(round1.files.at(-1)!, 'utf8');
    expect(readTsv(round1.files.at(-1)!).rows.map((r) => r.identifier)).toEqual(cells.map((c) => tsvCell(c)));
    let previous = round1;
    const again: number[] = [];
    for (const r of [2, 3]) {
      again.push(await importBundle(previous.files.at(-1)!));
      const next = await exportTo(again.at(-1)!, `round${r}`);
      expect(fs.readFileSync(next.files.at(-1)!, 'utf8'), `round ${r}`).toBe(fin1);
      expect(fs.readFileSync(next.files[0]!, 'utf8'), `round ${r}`).toBe(fs.readFileSync(round1.files[0]!, 'utf8'));
      previous = next;
    }
    // The library stores the values, not their escaped form.
    const read = core.context.db.prepare('SELECT s.raw FROM bundle_items b JOIN source_rows s ON s.id = b.source_row_id WHERE b.bundle_id = ? ORDER BY b.line');
    for (const id of again) {
      const raws = (read.all(id) as { raw: string }[]).map((s) => JSON.parse(s.raw) as Record<string, string>);
      expect(raws.map((x) => x.identifier)).toEqual(cells);
      expect(raws.map((x) => x.title)).toEqual(titles);
    }
  });

  it('property: any cells, classified again any number of times, are written the same', async () => {
    const unit = fc.oneof(fc.constantFrom('=', '+', '-', '@', '"', "'", ' ', '1', 'x'), fc.string({ minLength: 1, maxLength: 1 }));
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit, maxLength: 12 }), { minLength: 3, maxLength: 3 }), fc.integer({ min: 1, max: 3 }), async (ids, rounds) => {
        k++;
        const file = path.join(dir, `prop${k}.tsv`);
        const clean = ids.map((s) => s.replace(/[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/g, ' ').replace(/^"/, 'q')); // eslint-disable-line no-control-regex
        fs.writeFileSync(file, ['eolMediaURL\tidentifier', ...clean.map((c, i) => `${urls[i]}\t${c}`)].join('\n') + '\n');
        const first = await exportTo(await importBundle(file), `prop${k}-0`);
        const want = fs.readFileSync(first.files.at(-1)!, 'utf8');
        let previous = first;
        for (let r = 1; r <= rounds; r++) {
          previous = await exportTo(await importBundle(previous.files.at(-1)!), `prop${k}-${r}`);
          expect(fs.readFileSync(previous.files.at(-1)!, 'utf8')).toBe(want);
        }
      }),
      fuzzParams(8),
    );
  }, 120_000);
});
