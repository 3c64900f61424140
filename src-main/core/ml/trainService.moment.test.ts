/**
 * A training run reads its labels, their weights from the ratings and the curator's verdicts at one
 * moment: labels a curator changes while the run embeds and splits are not trained under their old
 * value with the weight of their new one. Here every label is made a curator's (same value, weight
 * 1) as soon as the run reports progress: its label weights are those of the labels it started
 * from, as a run left alone has them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { trainedDevLibrary } from '../../../test-support/trainedLibrary';
import { createCore, type Core } from '../app';

const TRAIN = { features: ['whole' as const], hidden: 0, augment: 0 };

describe('the moment a training run reads its labels', () => {
  let dir: string;
  let core: Core;

  beforeAll(async () => {
    dir = tempDir();
    const dataDir = path.join(dir, 'data');
    await trainedDevLibrary(dataDir, 20);
    core = createCore({ dataDir, ml: 'in-process' });
  }, 180_000);
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const weightsOf = async (runId: number) => (await core.call('ml.run', { runId })).evaluation!.noise!.label_weights!;

  it('trains with the weights of the labels it read, not of labels changed while it runs', async () => {
    const alone = await core.call('ml.train', TRAIN);
    const before = await weightsOf(alone.run_id);
    // Import labels rated near the class boundary weigh less than 1; a curator's weigh 1.
    expect(before.mean).toBeLessThan(1);
    const { db } = core.context;
    let changed = 0;
    const run = await core.call('ml.train', TRAIN, {
      onProgress: () => {
        if (changed) return;
        changed = db.prepare("UPDATE labels SET origin = 'curator' WHERE label IN ('good', 'bad') AND origin = 'import'").run().changes;
      },
    });
    expect(changed).toBeGreaterThan(0);
    expect(run.status).toBe('done');
    expect(await weightsOf(run.run_id)).toEqual(before);
  }, 180_000);
});
