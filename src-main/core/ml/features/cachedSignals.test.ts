// Previews read the quality signals `qc embed` cached; they never decode the original.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEV_DIR, DEV_IMAGES } from '../../../../test-support/fixtures';
import { seedLibrary, type SeededLibrary } from '../../../../test-support/seedLibrary';
import { decodeRgb } from '../backbone/preprocess';
import { featureKey } from '../embed';
import { FeatureStore } from '../featureStore';
import { baseSignalsFromVector, detectorsFromVector } from './cachedSignals';
import { explainSignals, qualitySignals, signalVector } from './signals';

/** A few dev photos with different defects (and good ones), by truth.tsv's degradation. */
function devPhotos(): { file: string; degradation: string }[] {
  const [, ...lines] = fs.readFileSync(path.join(DEV_DIR, 'truth.tsv'), 'utf8').trim().split('\n');
  const byKind = new Map<string, string>();
  for (const l of lines) {
    const [id = '', , degradation = ''] = l.split('\t');
    if (!byKind.has(degradation)) byKind.set(degradation, path.join(DEV_IMAGES, `${id}.jpg`));
  }
  return [...byKind].map(([degradation, file]) => ({ file, degradation }));
}

let lib: SeededLibrary | null = null;
afterEach(async () => {
  await lib?.core.close();
  lib = null;
});

describe('cached quality signals', () => {
  it('the cached vector gives back the base signals and the same reasons as measuring the photo', async () => {
    const photos = devPhotos();
    expect(photos.length).toBeGreaterThanOrEqual(5);
    for (const { file } of photos) {
      const s = qualitySignals(await decodeRgb(file), { bytes: fs.statSync(file).size });
      const v = signalVector(s);
      const back = baseSignalsFromVector(v)!;
      for (const k of ['sharpness', 'relSharpness', 'noise', 'blockiness', 'meanLuma', 'contrast', 'colourfulness', 'width', 'height', 'bytesPerPixel'] as const) {
        expect(back[k]).toBeCloseTo(s[k], Math.abs(s[k]) > 100 ? 0 : 3);
      }
      expect(explainSignals({ ...back, generic: { detectors: detectorsFromVector(v)! } })).toEqual(explainSignals(s));
    }
    expect(baseSignalsFromVector(new Float32Array(3))).toBeNull();
  });

  it('images.get reads the cached signals (the original is not even on disk) and shows none when nothing is cached', async () => {
    lib = seedLibrary({ images: 3, features: false });
    const { db } = lib.core.context;
    const [a, b] = lib.images;
    const file = path.join(DEV_IMAGES, '9000002.jpg'); // noise
    const s = qualitySignals(await decodeRgb(file), { bytes: fs.statSync(file).size });
    const sha = (db.prepare('SELECT sha256, path FROM images WHERE id = ?').get(a!.id) as { sha256: string; path: string });
    expect(fs.existsSync(path.join(lib.dataDir, sha.path))).toBe(false);
    new FeatureStore(db).put(sha.sha256, featureKey('signals', 'any-backbone'), signalVector(s));

    const detail = await lib.core.call('images.get', { imageId: a!.id });
    expect(detail.signals?.noise).toBeCloseTo(s.noise, 3);
    expect(detail.signals?.relSharpness).toBeCloseTo(s.relSharpness, 4);
    expect(detail.reasons).toEqual(explainSignals(s));
    expect(detail.reasons).toContain('noisy');

    const none = await lib.core.call('images.get', { imageId: b!.id });
    expect(none.signals).toBeNull();
    expect(none.reasons).toEqual([]);
  });
});
