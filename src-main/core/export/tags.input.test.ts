/**
 * A bundle's own `source`, `confidence`, `imclass` or `p_bad` column is kept in its tag files,
 * renamed `<name> (input)`, never dropped; an earlier output's verdict columns are replaced.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, tempDir } from '../../../test-support/fixtures';
import { createCore, type Core } from '../app';
import { bundleColumns, exportBundle } from './tags';

const mirrors = [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }];

function readTsv(file: string): { header: string[]; rows: Record<string, string>[] } {
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const header = head!.split('\t');
  return { header, rows: lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [header[i]!, v]))) };
}

describe("a bundle's tag files", () => {
  let dir: string;
  let core: Core;
  let run: number;
  let urls: string[];

  beforeAll(async () => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    urls = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').split('\n').slice(1, 7).map((l) => l.split('\t')[1]!);
    const seed = path.join(dir, 'seed.txt');
    fs.writeFileSync(seed, ['eolMediaURL', ...urls].join('\n') + '\n');
    await core.call('library.import', { source: seed, kind: 'bundle', mirrors });
    const { db } = core.context;
    run = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
    const ids = (db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    const put = db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, 0)');
    ids.forEach((id, i) => put.run(run, id, [0.1, 0.3, 0.6, 0.8, 0.95, 0.45][i % 6]!));
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const importBundle = async (file: string) => (await core.call('library.import', { source: file, kind: 'bundle', mirrors })).bundle_id!;
  const exportTo = (bundleId: number, out: string) => exportBundle(core.context.db, { bundleId, runId: run, threshold: 0.7, outDir: path.join(dir, out) });

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
