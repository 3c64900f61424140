/**
 * The shipped defect net (resources/models/defects_v1.onnx) on real photos it never saw in
 * training (the source photos its card lists as held out): its block has the card's width, a good
 * photo looks clean to it, and the level it reads rises along each defect's severity ladder while
 * the 'clean' probability falls.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEV_DIR, DEV_IMAGES, REPO_ROOT } from '../../../../test-support/fixtures';
import { decodeRgb, type RgbImage } from '../backbone/preprocess';
import { distort } from '../distort';
import { DEFECT_NET_CARD, defectNet, type DefectNet } from './defectNet';

const MODELS = path.join(REPO_ROOT, 'resources', 'models');

let net: DefectNet;
let photos: RgbImage[];

/** Columns of the block: mean p (kinds, 'clean' first), then level mean, max, 90th percentile. */
const clean = (v: Float32Array) => v[0]!;
const levelMean = (net: DefectNet, v: Float32Array) => v[net.card.kinds.length]!;

beforeAll(async () => {
  net = await defectNet(MODELS);
  const card = JSON.parse(fs.readFileSync(path.join(MODELS, DEFECT_NET_CARD), 'utf8')) as { trained: { held_out_sources: string[] } };
  const held = new Set(card.trained.held_out_sources);
  const rows = fs.readFileSync(path.join(DEV_DIR, 'truth.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  // Good images (undamaged crops) of photos the net never saw, one per source photo.
  const seen = new Set<string>();
  const ids = rows.filter(([, label, , source]) => label === 'good' && held.has(source!) && !seen.has(source!) && seen.add(source!)).map(([id]) => id!);
  photos = await Promise.all(ids.slice(0, 4).map((id) => decodeRgb(path.join(DEV_IMAGES, `${id}.jpg`))));
}, 60_000);

describe('the defect net', () => {
  it('gives a block as wide as its card says, the same for the same pixels', async () => {
    expect(photos.length).toBe(4);
    expect(net.card.kinds[0]).toBe('clean');
    const a = await net.describe(photos[0]!);
    expect(a.length).toBe(net.dim);
    expect(net.dim).toBe(net.card.kinds.length + 3);
    // Probabilities: the mean over patches of a softmax sums to 1.
    expect([...a.subarray(0, net.card.kinds.length)].reduce((x, y) => x + y, 0)).toBeCloseTo(1, 4);
    expect([...a].every(Number.isFinite)).toBe(true);
    expect(await net.describe(photos[0]!)).toEqual(a);
  });

  it('gives each photo its own block when many run at once (their inputs are lent buffers, reused)', async () => {
    const alone: Float32Array[] = [];
    for (const p of photos) alone.push(await net.describe(p));
    // The four at once, three times over: each run's input buffer is another's until it is given back.
    const together = await Promise.all([...photos, ...photos, ...photos].map((p) => net.describe(p)));
    together.forEach((v, i) => expect(v, `photo ${i % 4}`).toEqual(alone[i % 4]));
    expect(alone[0]).not.toEqual(alone[1]);
  });

  it('reads higher levels and less "clean" as blur, noise and compression get worse', async () => {
    for (const kind of ['gaussian_blur', 'white_noise', 'jpeg', 'motion_blur']) {
      for (const img of photos) {
        const v0 = await net.describe(img);
        const v1 = await net.describe(distort(img, { kind, level: 1, seed: 7 }));
        const v5 = await net.describe(distort(img, { kind, level: 5, seed: 7 }));
        expect(levelMean(net, v5), `${kind}: level 5 reads higher than level 1`).toBeGreaterThan(levelMean(net, v1));
        expect(levelMean(net, v5), `${kind}: level 5 reads higher than the photo`).toBeGreaterThan(levelMean(net, v0));
        expect(clean(v5), `${kind}: level 5 looks less clean than the photo`).toBeLessThan(clean(v0));
      }
    }
  }, 120_000);

  it('names the kind of a strong defect among its most likely classes', async () => {
    const kindIndex = (k: string) => net.card.kinds.indexOf(k);
    for (const kind of ['white_noise', 'pixelate', 'gaussian_blur']) {
      let hits = 0;
      for (const img of photos) {
        const v = await net.describe(distort(img, { kind, level: 4, seed: 3 }));
        const p = [...v.subarray(0, net.card.kinds.length)];
        const top3 = p.map((x, i) => [x, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 3).map(([, i]) => i);
        if (top3.includes(kindIndex(kind))) hits++;
      }
      expect(hits, `${kind} in the top 3 classes`).toBeGreaterThanOrEqual(3);
    }
  }, 120_000);

  it('fails with the file it cannot read when the models folder lacks the net', async () => {
    await expect(defectNet(path.join(REPO_ROOT, 'no-such-models-dir'))).rejects.toThrow(/defects_v1\.json/);
  });
});
