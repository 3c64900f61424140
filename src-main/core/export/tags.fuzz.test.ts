/**
 * Fuzz: the tag exporter. Whatever the bundle's cells hold, every file it writes opens in a
 * spreadsheet as one row per bundle row, with no formula, and every value reads back as it was
 * (tabs and line breaks as spaces).
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTsvCell } from '../../../src-shared/domain/tsv';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, tempDir } from '../../../test-support/fixtures';
import { FUZZ_TIMEOUT_MS, fuzzParams } from '../../../test-support/fuzz';
import { readLikeSpreadsheet } from '../../../test-support/spreadsheetTsv';
import { createCore, type Core } from '../app';
import { exportBundle } from './tags';

const ROWS = 4;
const cellText = fc.string({ unit: fc.oneof(fc.constantFrom('=', '+', '-', '@', '"', "'", '\t', '\r', '\n', ' ', '1', '|', '%'), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 24 });

describe('fuzz: the tag exporter', () => {
  let dir: string;
  let core: Core;
  let bundleId: number;
  beforeAll(async () => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    const urls = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').split('\n').slice(1, 1 + ROWS).map((l) => l.split('\t')[1]);
    const bundle = path.join(dir, 'bundle.tsv');
    fs.writeFileSync(bundle, ['eolMediaURL\tidentifier\ttitle', ...urls.map((u, i) => `${u}\t${i}\tt`)].join('\n') + '\n');
    bundleId = (await core.call('library.import', { source: bundle, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] })).bundle_id!;
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    'writes one spreadsheet row per bundle row, no formulas, values read back',
    async () => {
      const db = core.context.db;
      const rowIds = (db.prepare('SELECT source_row_id AS id FROM bundle_items WHERE bundle_id = ? ORDER BY line').all(bundleId) as { id: number }[]).map((r) => r.id);
      const setRaw = db.prepare('UPDATE source_rows SET raw = ? WHERE id = ?');
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(cellText, cellText), { minLength: ROWS, maxLength: ROWS }), async (cells) => {
          const raws = cells.map(([identifier, title], i) => {
            const url = (JSON.parse((db.prepare('SELECT raw FROM source_rows WHERE id = ?').get(rowIds[i]) as { raw: string }).raw) as Record<string, string>).eolMediaURL!;
            return { eolMediaURL: url, identifier, title };
          });
          raws.forEach((r, i) => setRaw.run(JSON.stringify(r), rowIds[i]));
          const { files } = await exportBundle(db, { bundleId, runId: null, threshold: 0.5, outDir: path.join(dir, 'out') });
          for (const f of files) {
            const sheet = readLikeSpreadsheet(fs.readFileSync(f, 'utf8'));
            expect(sheet).toHaveLength(ROWS + 1);
            const header = sheet[0]!.map((c) => c.text);
            sheet.slice(1).forEach((cellsOut, i) => {
              expect(cellsOut.length).toBe(header.length);
              expect(cellsOut.some((c) => c.formula)).toBe(false);
              for (const col of ['identifier', 'title'] as const) expect(readTsvCell(cellsOut[header.indexOf(col)]!.text)).toBe(raws[i]![col].replace(/[\t\r\n]/g, ' '));
            });
          }
        }),
        fuzzParams(100),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
