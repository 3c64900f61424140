/** The bundled demo library: a newcomer's first minute. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ThresholdSketch } from '../../src-shared/domain/thresholdSketch';
import { createCore, defaultResourcesDir } from './app';
import { tempDir } from '../../test-support/fixtures';

const DEMO = path.join(defaultResourcesDir(), 'demo');

function truthRows(): Record<string, string>[] {
  const [head, ...lines] = fs.readFileSync(path.join(DEMO, 'truth.tsv'), 'utf8').trimEnd().split('\n');
  const cols = head!.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i]!, v])));
}

describe('demo.load', () => {
  const dir = tempDir();
  const core = createCore({ dataDir: path.join(dir, 'data') });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports the demo photos without network, embeds them and trains a first run', async () => {
    const started = Date.now();
    const { import: imported, run } = await core.call('demo.load', {});
    expect(imported).toMatchObject({ rows: 302, images_new: 302, failed: 0, network_requests: 0, labels: { good: 130, bad: 164, unlabeled: 8 } });
    expect(run?.status).toBe('done');
    // What a newcomer sees first (measured with `npx tsx scripts/report-demo.ts`): a good model with
    // a proven threshold, and the planted label mistakes near the top of Label issues.
    expect(run!.metrics!.test_auc).toBeGreaterThan(0.9);
    expect(run!.metrics!.oof_auc).toBeGreaterThan(0.9);
    expect(run!.thresholds?.bad.threshold ?? null).not.toBeNull();
    const planted = new Set(truthRows().filter((r) => r.planted).map((r) => r.id));
    expect(planted.size).toBe(6);
    const top = await core.call('ml.labelIssues', { limit: 10 });
    const eolIds = await Promise.all(top.issues.map(async (i) => (await core.call('images.get', { imageId: i.image_id })).sources[0]?.eol_id));
    expect(eolIds.filter((id) => planted.has(String(id))).length).toBeGreaterThanOrEqual(3);
    expect(new ThresholdSketch((await core.call('review.scores', {})).sketch).size).toBe(302);
    console.log(`demo library ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 600_000);

  it('ships an attribution for every source photo of its images', () => {
    const truth = fs.readFileSync(path.join(DEMO, 'truth.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const licensed = new Set(fs.readFileSync(path.join(DEMO, 'LICENSES.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]));
    expect(truth).toHaveLength(302);
    for (const row of truth) {
      expect(fs.existsSync(path.join(DEMO, 'images', `${row[0]}.jpg`))).toBe(true);
      expect(licensed.has(row[3])).toBe(true);
    }
  });
});
