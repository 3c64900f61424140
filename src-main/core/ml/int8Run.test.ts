/**
 * A run on the int8 backbone, end to end through the API: `ml.train` with `backbone` embeds the
 * library with that backbone (features cached under its own id, beside the float32 ones), the run
 * records it, and scoring a new image embeds it with the run's backbone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { tempDir } from '../../../test-support/fixtures';
import { miniDemo } from '../../../test-support/seedLibrary';

const INT8 = 'mobilenet_v2_nsfwjs_int8';

describe('a run on the int8 backbone', () => {
  let core: Core;
  let dir: string;
  let demoDir: string;

  beforeAll(async () => {
    dir = tempDir('qc-int8-run-');
    demoDir = miniDemo(10);
    core = createCore({ dataDir: path.join(dir, 'data'), demoDir });
    await core.call('demo.load', { train: false });
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(demoDir, { recursive: true, force: true });
  });

  it('embeds with the backbone it names, records it, and keeps the float32 features apart', async () => {
    const db = core.context.db;
    const count = (extractor: string) => (db.prepare('SELECT COUNT(*) AS n FROM features WHERE extractor = ?').get(extractor) as { n: number }).n;
    const images = (db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
    expect(count(`${INT8}/whole`)).toBe(0);
    const run = await core.call('ml.train', { backbone: INT8, features: ['whole'], hidden: 0, augment: 0 });
    expect(run.status).toBe('done');
    expect(run.backbone).toBe(INT8);
    expect(run.params.backbone).toBe(INT8);
    expect(count(`${INT8}/whole`)).toBe(images);
    expect(run.metrics!.test_auc).toBeGreaterThanOrEqual(0);
    // Float32 features of the same images live beside them, under their own id, and differ.
    await core.call('ml.embed', { features: ['whole'] });
    expect(count('mobilenet_v2_nsfwjs/whole')).toBe(images);
    expect(count(`${INT8}/whole`)).toBe(images);
    const pair = db
      .prepare(`SELECT a.vector AS a, b.vector AS b FROM features a JOIN features b ON a.sha256 = b.sha256 WHERE a.extractor = ? AND b.extractor = 'mobilenet_v2_nsfwjs/whole' LIMIT 1`)
      .get(`${INT8}/whole`) as { a: Buffer; b: Buffer };
    expect(pair.a.length).toBe(pair.b.length);
    expect(Buffer.compare(pair.a, pair.b)).not.toBe(0);
    const scores = await core.call('review.scores', {});
    expect(scores.run_id).toBe(run.run_id);
  }, 180_000);
});
