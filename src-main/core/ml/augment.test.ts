/**
 * Training with synthetic examples on real dev photos (signals only, so no backbone is needed):
 * the copies train, and nothing else sees them — not the library, the gallery, the splits, the
 * stored predictions, validation, test or the out-of-fold predictions thresholds are chosen on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../../src-shared/domain/ml';
import { createCore, type Core } from '../app';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from '../../../test-support/fixtures';
import { isSyntheticKey, syntheticKey } from './augment';

describe('qc train --augment', () => {
  let core: Core;
  let dir: string;
  let run: RunDetail;
  const copies = 2;

  beforeAll(async () => {
    dir = tempDir();
    // 60 dev images: the first 30 rated ≥ 4 (good) and the first 30 rated ≤ 2 (bad).
    const rows = devRatings();
    const pick = [...rows.filter((r) => r[2] >= 4).slice(0, 30), ...rows.filter((r) => r[2] <= 2).slice(0, 30)];
    const file = path.join(dir, 'ratings.tsv');
    fs.writeFileSync(file, ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...pick.map((r) => r.join('\t'))].join('\n') + '\n');
    core = createCore({ dataDir: path.join(dir, 'data') });
    await core.call('library.import', { source: file, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    const summary = await core.call('ml.train', { features: ['signals'], hidden: 0, epochs: 5, folds: 3, augment: copies, noise: 'none', groups: { file: path.join(DEV_DIR, 'truth.tsv'), groupColumn: 'source_file' } });
    run = await core.call('ml.run', { runId: summary.run_id });
  }, 600_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records how many synthetic examples it trained on: copies × the train-split good images', () => {
    expect(run.status).toBe('done');
    const s = run.snapshot!;
    expect(s.synthetic).toEqual({ bad: copies * s.train.good, good: Math.ceil(copies / 2) * s.train.good, per_image: copies, good_left_out: 0 });
    expect(run.params.augment).toBe(copies);
  });

  it('caches their features under synthetic keys, never as library images, splits or predictions', () => {
    const { db } = core.context;
    const images = (db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
    expect(images).toBe(60);
    const keys = (db.prepare("SELECT sha256 FROM features WHERE sha256 LIKE 'syn:%'").all() as { sha256: string }[]).map((r) => r.sha256);
    expect(keys.length).toBe(run.snapshot!.synthetic!.bad + run.snapshot!.synthetic!.good);
    expect(keys.every(isSyntheticKey)).toBe(true);
    expect(syntheticKey('ab', { kind: 'jpeg', level: 3, seed: 7 })).toMatch(/^syn:ab:jpeg@3#7:distort\/\d+$/);
    expect((db.prepare("SELECT COUNT(*) AS n FROM images WHERE sha256 LIKE 'syn:%'").get() as { n: number }).n).toBe(0);
    expect((db.prepare('SELECT COUNT(*) AS n FROM splits WHERE image_id NOT IN (SELECT id FROM images)').get() as { n: number }).n).toBe(0);
    const predicted = (db.prepare('SELECT COUNT(*) AS n FROM predictions WHERE run_id = ?').get(run.run_id) as { n: number }).n;
    expect(predicted).toBeLessThanOrEqual(images);
  });

  it('the gallery shows only library images', async () => {
    const page = await core.call('review.page', { offset: 0, limit: 1000 });
    expect(page.total).toBe(60);
  });

  it('thresholds and test metrics come from real labelled images only', () => {
    const s = run.snapshot!;
    const realHeld = s.train.good + s.train.bad + s.validation.good + s.validation.bad;
    // Every real train/validation image has one out-of-fold prediction; no synthetic row does.
    const oofAtZero = run.evaluation!.curves.bad.oof[0]!;
    expect(oofAtZero.flagged).toBe(realHeld);
    expect(run.metrics!.test_size).toBe(s.test.good + s.test.bad);
    const chosen = run.thresholds!.bad.chosen_on ?? run.thresholds!.bad.best_bound;
    if (chosen) expect(chosen.flagged).toBeLessThanOrEqual(realHeld);
  });

  it('a second run reuses the cached synthetic features', async () => {
    const { db } = core.context;
    const before = (db.prepare("SELECT COUNT(*) AS n FROM features WHERE sha256 LIKE 'syn:%'").get() as { n: number }).n;
    const again = await core.call('ml.train', { features: ['signals'], hidden: 0, epochs: 5, folds: 3, augment: copies, noise: 'none' });
    expect(again.snapshot!.synthetic).toEqual(run.snapshot!.synthetic);
    expect((db.prepare("SELECT COUNT(*) AS n FROM features WHERE sha256 LIKE 'syn:%'").get() as { n: number }).n).toBe(before);
  }, 300_000);

  it('with noise-robust training, counts the benign edits that left the final fit with their pruned originals', async () => {
    const { db } = core.context;
    // Six bad photos labelled good by a careless curator: they get benign edits, and confident learning prunes them.
    const bads = db.prepare("SELECT image_id FROM labels WHERE label = 'bad' ORDER BY image_id LIMIT 6").pluck().all() as number[];
    await core.call('labels.set', { imageIds: bads, label: 'good' });
    const pruning = await core.call('ml.train', { features: ['signals'], hidden: 0, epochs: 5, folds: 3, augment: copies, noise: 'prune' });
    const detail = await core.call('ml.run', { runId: pruning.run_id });
    // The pruned good images of the train split are the copied ones: each had ceil(copies / 2) benign edits.
    const trainSplit = new Set((db.prepare("SELECT image_id FROM splits WHERE split = 'train'").pluck().all() as number[]));
    const copied = detail.evaluation!.noise!.pruned.filter((p) => p.given === 'good' && trainSplit.has(p.image_id)).length;
    expect(copied).toBeGreaterThan(0);
    expect(detail.snapshot!.synthetic!.good_left_out).toBe(copied * Math.ceil(copies / 2));
  }, 300_000);
});
