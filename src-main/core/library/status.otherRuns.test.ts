/**
 * `library.status`'s `url_predictions.other_runs` (qc status: "N URLs merged into run R are not in
 * qc export's files of run A") counts exactly what `qc export` of the active run leaves out, the
 * export's `merged_other_runs`: not a URL merged into another run that the active run has merged
 * too (the export writes it), nor one whose image has been imported since (written as the image).
 * The audit's scenario (two finished runs, the same tag file merged into both, one URL only in the
 * other run), on a real library with real tag-file imports and real exports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, linesWriter, tempDir } from '../../../test-support/fixtures';

describe('status counts what the export of the active run leaves out', () => {
  let dir: string;
  let core: Core;
  let write: ReturnType<typeof linesWriter>;
  let older: number;
  let active: number;
  let dev: string;
  const tagFile = (name: string, rows: [string, number][]) =>
    write(name, ['eolMediaURL\timclass\tconfidence', ...rows.map(([u, p]) => `${u}\t${p >= 0.5 ? 'bad' : 'good'}\t${(p >= 0.5 ? p : 1 - p).toFixed(6)}`)]);
  const shared: [string, number][] = [
    ['https://example.org/x/1.jpg', 0.95],
    ['https://example.org/x/2.jpg', 0.3],
  ];
  const leftOut = async () => {
    const status = (await core.call('library.status', {})).url_predictions;
    const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const exported = await core.call('export.tags', { outDir: out });
    return { status: status.other_runs, export: exported.merged_other_runs ?? [], run: status.run_id, exportRun: exported.run_id, out };
  };

  beforeAll(async () => {
    dir = tempDir();
    write = linesWriter(dir);
    core = createCore({ dataDir: path.join(dir, 'data') });
    const { db } = core.context;
    const add = () => Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
    older = add();
    active = add(); // the newest finished run is the active one
    dev = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').split('\n')[1]!.split('\t')[1]!;
    // The same tag file merged into the active run and into the older one (qc import, qc import --run).
    const both = tagFile('tags/other_a.tsv', shared);
    await core.call('ml.importTags', { files: [both] });
    await core.call('ml.importTags', { files: [both], runId: older });
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves out nothing the active run has merged too', async () => {
    const r = await leftOut();
    expect(r.run).toBe(active);
    expect(r.exportRun).toBe(active);
    expect(r.status).toEqual([]);
    expect(r.export).toEqual([]);
    // Both URLs are in the file.
    const written = fs.readFileSync(path.join(r.out, 'library_finaltags.tsv'), 'utf8');
    for (const [u] of shared) expect(written).toContain(u);
  });

  it('counts a URL only the other run has, and agrees with the export as URLs are merged and images imported', async () => {
    await core.call('ml.importTags', { files: [tagFile('tags/only_a.tsv', [['https://example.org/only-run1.jpg', 0.8], [dev, 0.9]])], runId: older });
    let r = await leftOut();
    // The audit: status said 4 (every URL of the older run), the export 2.
    expect(r.export).toEqual([{ run_id: older, urls: 2 }]);
    expect(r.status).toEqual(r.export);
    expect(fs.readFileSync(path.join(r.out, 'library_finaltags.tsv'), 'utf8')).not.toContain('only-run1');

    // dev's image is imported now: written as the image's row, no longer left out (the status counts
    // again after the library's URLs changed).
    const bundle = write('bundle.txt', ['eolMediaURL', dev]);
    const s = await core.call('library.import', { source: bundle, kind: 'bundle', mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    expect(s.failed).toBe(0);
    // Scored by both runs (these runs have no model to score with).
    core.context.db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) SELECT r.id, i.id, 0.3, 0 FROM images i, runs r').run();
    r = await leftOut();
    expect(r.export).toEqual([{ run_id: older, urls: 1 }]);
    expect(r.status).toEqual(r.export);

    // The active run merges that URL too: nothing left out (counted again after a merge).
    await core.call('ml.importTags', { files: [tagFile('tags/now_a.tsv', [['https://example.org/only-run1.jpg', 0.7]])] });
    r = await leftOut();
    expect(r.export).toEqual([]);
    expect(r.status).toEqual([]);

    // The older run made active: the active run's merges are its own, the other one's URL not here is left out.
    await core.call('ml.setActive', { runId: older });
    r = await leftOut();
    expect(r.run).toBe(older);
    expect(r.export).toEqual([]);
    expect(r.status).toEqual(r.export);
    await core.call('ml.setActive', { runId: active });
  }, 60_000);
});
