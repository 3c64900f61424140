/**
 * Exports killed with SIGKILL at chosen points (a real child process, exportKill.child.ts): a
 * training folder and a bundle's tag files are published whole or not at all, and the next export
 * into the same folder succeeds and leaves nothing of the dead one behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, REPO_ROOT, tempDir } from '../../../test-support/fixtures';
import { startNode } from '../../../test-support/killChild';
import { exportBundle, exportLibrary } from './tags';
import { exportTraining } from './training';

const CHILD = path.join(REPO_ROOT, 'test-support/exportKill.child.ts');

/** Run the child; resolves with the signal that ended it (null when it exited). */
async function killedAt(op: 'rename' | 'copy', at: number, under: string, args: string[]): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const child = startNode([CHILD, op, String(at), under, '--', ...args]);
  return { signal: (await child.exited).signal, stderr: child.stderr() };
}

const visible = (dir: string) => fs.readdirSync(dir).filter((n) => !n.startsWith('.'));
const leftovers = (dir: string) => fs.readdirSync(dir).filter((n) => n.startsWith('.qc-export-') || n.includes('.tmp-'));
const dataRows = (file: string) => fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(1);

describe('exports killed part way', () => {
  const dir = tempDir();
  const data = path.join(dir, 'lib');
  let core: Core;
  let bundleId: number;
  let runId: number;

  beforeAll(async () => {
    core = createCore({ dataDir: data, ml: 'in-process' });
    const lines = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').trim().split('\n');
    const ratings = path.join(dir, 'ratings.txt');
    fs.writeFileSync(ratings, `${lines.slice(0, 41).join('\n')}\n`, 'latin1');
    await core.call('library.import', { source: ratings, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    const bundle = path.join(dir, 'bundle.txt');
    fs.writeFileSync(bundle, ['eolMediaURL\tidentifier', ...lines.slice(1, 9).map((l, i) => `${l.split('\t')[1]}\tid${i}`)].join('\n') + '\n');
    bundleId = (await core.call('library.import', { source: bundle, kind: 'bundle', mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] })).bundle_id!;
    const { db } = core.context;
    runId = Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
    const put = db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, 0)');
    (db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[]).forEach((id, i) => put.run(runId, id, (i % 10) / 10 + 0.05));
  }, 120_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a training export killed while it copies pictures leaves nothing that looks like an export, and the next one succeeds', async () => {
    const out = path.join(dir, 'training-copy');
    const cli = ['cli', '--data', data, 'export-training', out, '--sample', '5'];
    expect((await killedAt('copy', 10, out, cli)).signal).toBe('SIGKILL');
    expect(visible(out)).toEqual([]);
    const result = await exportTraining(core.context.db, core.context.paths, { outDir: out, sample: 5 });
    expect(result.copied).toBeGreaterThan(10);
    expect(leftovers(out)).toEqual([]);
    expect(fs.readdirSync(path.join(out, 'images', '1')).length).toBe(result.by_class[1]);
  }, 60_000);

  it('a training export killed while it publishes can be run again into the same folder', async () => {
    const out = path.join(dir, 'training-publish');
    // Renames under out: the ten lists into the stage, then the lists into place, then images/: killed before the images move.
    const cli = ['cli', '--data', data, 'export-training', out, '--sample', '5'];
    expect((await killedAt('rename', 15, out, cli)).signal).toBe('SIGKILL');
    expect(visible(out)).not.toContain('images');
    const result = await exportTraining(core.context.db, core.context.paths, { outDir: out, sample: 5 });
    expect(visible(out).sort()).toEqual([...result.lists.map((f) => path.basename(f)), 'images'].sort());
    expect(leftovers(out)).toEqual([]);
  }, 60_000);

  it("the library's final tags killed before they move into place leave no partial or temporary file beside the final name, only a hidden stage the next export sweeps (audit I1)", async () => {
    const out = path.join(dir, 'library');
    const cli = ['cli', '--data', data, 'export', '--out', out];
    // Killed at its first rename under out: the whole file written, not yet in place.
    expect((await killedAt('rename', 1, out, cli)).signal).toBe('SIGKILL');
    expect(visible(out)).toEqual([]);
    expect(leftovers(out).every((n) => n.startsWith('.qc-export-'))).toBe(true);
    const first = await exportLibrary(core.context.db, { runId, threshold: 0.7, outDir: out, owners: core.context.paths.owners });
    expect(visible(out)).toEqual(['library_finaltags.tsv']);
    expect(leftovers(out)).toEqual([]);
    const before = fs.readFileSync(first.files[0]!, 'utf8');
    // Killed again over that export: the old file stays whole, and nothing else is visible.
    for (const at of [1, 2]) {
      expect((await killedAt('rename', at, out, cli)).signal).toBe('SIGKILL');
      expect(visible(out)).toEqual(['library_finaltags.tsv']);
      expect(fs.readFileSync(first.files[0]!, 'utf8')).toBe(before);
    }
    await exportLibrary(core.context.db, { runId, threshold: 0.7, outDir: out, owners: core.context.paths.owners });
    expect(leftovers(out)).toEqual([]);
  }, 60_000);

  it("a bundle's tag files killed at any point: the previous export whole, or no final tags; never stale or partial chunks beside final tags", async () => {
    const out = path.join(dir, 'bundle');
    await exportBundle(core.context.db, { bundleId, runId, threshold: 0.7, outDir: out, chunkRows: 1 }); // 8 one-row chunks
    const consistent = () => {
      const fin = path.join(out, 'bundle_finaltags.tsv');
      if (!fs.existsSync(fin)) return 'no final tags';
      const chunks = visible(out).filter((n) => /^bundle_[a-z]+\.tsv$/.test(n) && n !== 'bundle_finaltags.tsv').sort();
      const rows = chunks.flatMap((c) => dataRows(path.join(out, c)).map((l) => l.split('\t').slice(0, 2).join('\t')));
      expect(rows).toEqual(dataRows(fin).map((l) => l.split('\t').slice(0, 2).join('\t')));
      return `${chunks.length} chunks`;
    };
    expect(consistent()).toBe('8 chunks');
    // Re-exported with 3-row chunks (a, b, c), killed before its 2nd, 5th, 6th and 8th rename under out.
    for (const at of [2, 5, 6, 8]) {
      const r = await killedAt('rename', at, out, ['bundle', data, String(bundleId), String(runId), out, '3']);
      expect(r.signal, r.stderr).toBe('SIGKILL');
      expect(['no final tags', '8 chunks']).toContain(consistent());
    }
    // As the app exports: with the library's owners/, which knows the killed processes ended.
    const again = await exportBundle(core.context.db, { bundleId, runId, threshold: 0.7, outDir: out, chunkRows: 3, owners: core.context.paths.owners });
    expect(again.files.map((f) => path.basename(f))).toEqual(['bundle_a.tsv', 'bundle_b.tsv', 'bundle_c.tsv', 'bundle_finaltags.tsv']);
    expect(consistent()).toBe('3 chunks');
    expect(visible(out).sort()).toEqual(['bundle_a.tsv', 'bundle_b.tsv', 'bundle_c.tsv', 'bundle_finaltags.tsv']);
    expect(leftovers(out)).toEqual([]);
  }, 120_000);
});
