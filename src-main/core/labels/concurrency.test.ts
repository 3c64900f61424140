/**
 * Several processes on one library at once (issue 9): 5 labelling (with undo), 2 importing
 * overlapping ratings files, 1 changing the label rule. 0 errors, 0 lost labels: every batch a
 * process was told about is in the history, the current labels are exactly what the history says,
 * and every import label follows the rule in force at the end.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveLabel, type Label, type LabelRule } from '../../../src-shared/domain/label';
import { openDatabase, type Db } from '../db/open';
import { createCore } from '../app';
import { libraryPaths } from '../paths';
import { DEV_IMAGES, DEV_URL_PREFIX, REPO_ROOT, devRatings, tempDir } from '../../../test-support/fixtures';
import { startImageServer } from '../../../test-support/image-server';

interface Report {
  role: string;
  calls: number;
  errors: string[];
  batches: { batch_id: number | null; changed: [number, string | null][] }[];
}

function worker(job: object): Promise<{ code: number | null; report: Report | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test-support/libraryWorker.ts')], { cwd: REPO_ROOT, env: { ...process.env, QC_WORKER: JSON.stringify(job) } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      let report: Report | null = null;
      try {
        report = JSON.parse(out.trim().split('\n').at(-1) ?? '') as Report;
      } catch {
        // reported below
      }
      resolve({ code, report, stderr: err });
    });
  });
}

/** Every import-origin label is the one the image's rows give under the rule stored now. */
function importLabelsFollowTheRule(db: Db): number {
  const rule = JSON.parse((db.prepare("SELECT value FROM settings WHERE key = 'label_rule'").get() as { value: string }).value) as LabelRule;
  const evidence = db.prepare<[number], { rating: number | null; exemplar: number; folder_label: Label | null }>(
    'SELECT s.rating, s.exemplar, s.folder_label FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE u.image_id = ?',
  );
  const importLabels = db.prepare("SELECT image_id, label FROM labels WHERE origin = 'import'").all() as { image_id: number; label: Label | null }[];
  for (const { image_id, label } of importLabels) {
    const rows = evidence.all(image_id);
    const want = deriveLabel({ ratings: rows.filter((x) => x.rating !== null).map((x) => x.rating!), exemplar: rows.some((x) => x.exemplar === 1), folderLabels: [] }, rule).label;
    expect(label, `image ${image_id}`).toBe(want);
  }
  return importLabels.length;
}

function ratingsFile(file: string, rows: ReturnType<typeof devRatings>): void {
  fs.writeFileSync(file, ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows.map(([id, url, r, a]) => `${id}\t${url}\t${r}\t${a}`)].join('\n') + '\n');
}

describe('8 processes on one library', () => {
  let dir: string;
  let dataDir: string;
  let ids: number[];
  const mirror = { prefix: DEV_URL_PREFIX, dir: DEV_IMAGES };
  const all = devRatings();

  beforeAll(async () => {
    dir = tempDir();
    dataDir = path.join(dir, 'data');
    const first = path.join(dir, 'first.txt');
    ratingsFile(first, all.slice(0, 60));
    const core = createCore({ dataDir, ml: 'in-process' });
    await core.call('library.import', { source: first, mirrors: [mirror] });
    ids = (core.context.db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    await core.close();
    ratingsFile(path.join(dir, 'a.txt'), all.slice(40, 200));
    ratingsFile(path.join(dir, 'b.txt'), all.slice(120, 280));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('label, import and change the rule at once: 0 errors, 0 lost labels, history and labels agree', async () => {
    const jobs = [
      ...[1, 2, 3, 4, 5].map((seed) => ({ dataDir, role: 'label', seed, ids, calls: 30 })),
      { dataDir, role: 'import', seed: 6, list: path.join(dir, 'a.txt'), mirror },
      { dataDir, role: 'import', seed: 7, list: path.join(dir, 'b.txt'), mirror },
      { dataDir, role: 'rule', seed: 8, calls: 10 },
    ];
    const results = await Promise.all(jobs.map(worker));
    for (const r of results) {
      expect(r.report, r.stderr).not.toBeNull();
      expect(r.report!.errors, r.report!.role).toEqual([]);
      expect(r.code).toBe(0);
    }

    const db: Db = openDatabase(libraryPaths(dataDir).db);
    try {
      // Every batch a labeller was told about is in the history, with exactly its changes.
      const events = db.prepare<[number], { image_id: number; new_label: string | null }>('SELECT image_id, new_label FROM label_events WHERE batch_id = ? ORDER BY id');
      let told = 0;
      for (const r of results.filter((x) => x.report!.role === 'label')) {
        for (const b of r.report!.batches) {
          if (b.batch_id === null) continue;
          told++;
          expect(events.all(b.batch_id).map((e) => [e.image_id, e.new_label])).toEqual(b.changed);
        }
      }
      expect(told).toBeGreaterThan(50);

      // The current labels are what the history says (the last event of each image).
      const last = db
        .prepare('SELECT e.image_id, e.new_label, e.new_origin FROM label_events e WHERE e.id = (SELECT MAX(id) FROM label_events x WHERE x.image_id = e.image_id) ORDER BY e.image_id')
        .all();
      expect(db.prepare('SELECT image_id, label AS new_label, origin AS new_origin FROM labels ORDER BY image_id').all()).toEqual(last);

      // Both imports finished; every listed picture is stored once.
      expect(db.prepare('SELECT status, COUNT(*) AS n FROM imports GROUP BY status').all()).toEqual([{ status: 'done', n: 3 }]);
      expect((db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n).toBe(280);

      // Every import label follows the rule in force now (rules changed during the imports included).
      expect(importLabelsFollowTheRule(db)).toBeGreaterThan(150);
    } finally {
      db.close();
    }
  }, 240_000);

  it('a rule changed by another connection during an import applies to the rest of that import', async () => {
    const server = await startImageServer({ imagesDir: DEV_IMAGES, delayMs: 40 });
    const d = tempDir();
    const list = path.join(d, 'r.txt');
    ratingsFile(list, all.slice(0, 80).map(([id, u, r, a]) => [id, u.replace(DEV_URL_PREFIX, `${server.base}/img/`), r, a]));
    const importer = createCore({ dataDir: path.join(d, 'data'), ml: 'in-process' });
    const other = createCore({ dataDir: path.join(d, 'data'), ml: 'in-process' });
    try {
      const running = importer.call('library.import', { source: list, concurrency: 2 });
      while (server.totalHits() < 25) await new Promise((r) => setTimeout(r, 10));
      await other.call('labels.setRule', { rule: { bad: [1], good: [4, 5], exemplar: 'good' } });
      const s = await running;
      expect(s.images_new).toBe(80);
      expect(server.totalHits()).toBeGreaterThan(50); // most images came in after the change
      expect(importLabelsFollowTheRule(importer.context.db)).toBe(80);
    } finally {
      await importer.close();
      await other.close();
      await server.close();
      fs.rmSync(d, { recursive: true, force: true });
    }
  }, 120_000);
});
