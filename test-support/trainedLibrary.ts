/**
 * A small library trained for real on dev photos, for tests that need *a* model (classify, shards,
 * cancelling) rather than a good one: `perClass` good and `perClass` bad photos of the dev set (the
 * first of each in truth.tsv, imported as a demo library from a local folder, no network), embedded
 * by the real backbone and a linear head trained on the whole-image embedding only (or on `features`).
 *
 * About 10× cheaper than the bundled demo (302 photos, every feature set): whole-image embeddings
 * cost ~5 ms a photo where crops and quality signals cost ~80 ms more.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createCore, type Core } from '../src-main/core/app';
import type { FeatureSet, RunSummary } from '../src-shared/domain/ml';
import { tempDir } from './fixtures';
import { cachedLibrary } from './libraryCache';
import { miniDemo } from './seedLibrary';

export interface TrainedLibrary {
  /** The run that was trained (active). */
  run: RunSummary;
  /** EOL ids of the photos in the library: bundles for these tests use other dev photos. */
  ids: Set<string>;
}

/**
 * A copy of its own in `dataDir`: the library is trained once per source state and parameters and
 * kept in a disk cache (libraryCache.ts), since several test files need the same one.
 */
export async function trainedDevLibrary(dataDir: string, perClass = 20, features: FeatureSet[] = ['whole']): Promise<TrainedLibrary> {
  const built = await cachedLibrary('trained-dev', { perClass, features }, dataDir, (dir) => trainDevLibrary(dir, perClass, features));
  return { run: built.run, ids: new Set(built.ids) };
}

async function trainDevLibrary(dataDir: string, perClass: number, features: FeatureSet[]): Promise<{ run: RunSummary; ids: string[] }> {
  const demoDir = miniDemo(perClass);
  const core = createCore({ dataDir, demoDir });
  try {
    await core.call('demo.load', { train: false });
    let run = await core.call('ml.train', { features, hidden: 0, augment: 0 });
    if (run.status !== 'done') throw new Error(`training the test library ended ${run.status}`);
    // Ten or twelve images a class can rank no better than chance out of fold, and such a run is
    // not made active (runs.ts activateIfBetter); these tests need *a* model in force: pick it.
    if (!run.active) run = { ...run, active: (await core.call('ml.setActive', { runId: run.run_id })).active === run.run_id };
    const ids = [
      ...fs
        .readFileSync(path.join(demoDir, 'image_ratings.txt'), 'latin1')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split('\t')[0]!),
    ];
    return { run, ids };
  } finally {
    await core.close();
    fs.rmSync(demoDir, { recursive: true, force: true });
  }
}

/**
 * For a describe block that reads one trained dev library: before its tests the library is built
 * (or copied from the cache) in a temp folder and opened in-process; after them it is closed and
 * removed. Returns the open core (call it inside a test).
 */
export function useTrainedDevCore(perClass = 20): () => Core {
  let dir = '';
  let core: Core | undefined;
  beforeAll(async () => {
    dir = tempDir();
    const dataDir = path.join(dir, 'lib');
    await trainedDevLibrary(dataDir, perClass);
    core = createCore({ dataDir, ml: 'in-process' });
  }, 240_000);
  afterAll(async () => {
    await core?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!core) throw new Error('the trained library is not open (used outside a test?)');
    return core;
  };
}
