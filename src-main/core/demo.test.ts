/** The bundled demo library: a newcomer's first minute. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, defaultResourcesDir } from './app';
import { tempDir } from '../../test-support/fixtures';

const DEMO = path.join(defaultResourcesDir(), 'demo');

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
    expect(imported).toMatchObject({ rows: 112, images_new: 112, failed: 0, network_requests: 0, labels: { good: 48, bad: 48, unlabeled: 16 } });
    expect(run?.status).toBe('done');
    expect(run!.metrics!.test_accuracy).toBeGreaterThan(0.6);
    expect((await core.call('review.scores', {})).all).toHaveLength(112);
    console.log(`demo library ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 120_000);

  it('ships an attribution for every source photo of its images', () => {
    const truth = fs.readFileSync(path.join(DEMO, 'truth.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const licensed = new Set(fs.readFileSync(path.join(DEMO, 'LICENSES.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]));
    expect(truth).toHaveLength(112);
    for (const row of truth) {
      expect(fs.existsSync(path.join(DEMO, 'images', `${row[0]}.jpg`))).toBe(true);
      expect(licensed.has(row[3])).toBe(true);
    }
  });
});
