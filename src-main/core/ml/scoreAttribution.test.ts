/** The preview's "why this score": a real run on real photos, explained from the cached features. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { tempDir } from '../../../test-support/fixtures';
import { miniDemo } from '../../../test-support/seedLibrary';
import { SIGNAL_GROUPS } from './features/signals';

describe('score attribution in the preview', () => {
  let dir: string;
  let demoDir: string;
  let core: Core;
  let runId: number;

  beforeAll(async () => {
    dir = tempDir();
    demoDir = miniDemo(12);
    core = createCore({ dataDir: path.join(dir, 'lib'), demoDir });
    await core.call('demo.load', { train: false });
    runId = (await core.call('ml.train', { hidden: 0 })).run_id;
  }, 240_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(demoDir, { recursive: true, force: true });
  });

  it("names every signal group, the defect net's patterns and the appearance, and rescoring the row gives the run's own p(bad)", async () => {
    // Test-split images carry the final head's prediction (train and validation ones their out-of-fold p).
    const rows = core.context.db
      .prepare("SELECT p.image_id, p.p_bad FROM predictions p JOIN splits s ON s.image_id = p.image_id WHERE p.run_id = ? AND s.split = 'test'")
      .all(runId) as { image_id: number; p_bad: number }[];
    expect(rows.length).toBeGreaterThan(2);
    for (const r of rows) {
      const a = (await core.call('images.get', { imageId: r.image_id })).attribution!;
      expect(a.run_id).toBe(runId);
      expect(a.p_bad).toBeCloseTo(r.p_bad, 4);
      expect(a.parts.map((p) => p.name).sort()).toEqual([...SIGNAL_GROUPS.map((g) => g.name), 'defect_patterns', 'appearance'].sort());
      // Largest push towards bad first.
      for (let k = 1; k < a.parts.length; k++) expect(a.parts[k - 1]!.logit).toBeGreaterThanOrEqual(a.parts[k]!.logit);
    }
  });

  it('puts a bad picture\'s push on its defect: among the bad images the model is sure of, the top part pushes towards bad', async () => {
    const sure = core.context.db
      .prepare("SELECT p.image_id FROM predictions p JOIN labels l ON l.image_id = p.image_id WHERE p.run_id = ? AND l.label = 'bad' AND p.p_bad > 0.9")
      .pluck()
      .all(runId) as number[];
    expect(sure.length).toBeGreaterThan(3);
    for (const id of sure) expect((await core.call('images.get', { imageId: id })).attribution!.parts[0]!.logit).toBeGreaterThan(0);
  });

  it('has nothing to say without the cached features', async () => {
    const { db } = core.context;
    const id = (db.prepare('SELECT image_id FROM predictions WHERE run_id = ? LIMIT 1').pluck().get(runId) as number);
    const sha = db.prepare('SELECT sha256 FROM images WHERE id = ?').pluck().get(id) as string;
    db.prepare("DELETE FROM features WHERE sha256 = ? AND extractor = 'signals'").run(sha);
    expect((await core.call('images.get', { imageId: id })).attribution).toBeNull();
  });
});
