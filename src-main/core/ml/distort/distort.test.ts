/**
 * The distortion library on a real dev photo (shrunk to 290 px to keep the test fast; pixel
 * parameters scale with the long side): each kind is deterministic per seed, leaves its input
 * untouched, and damages more at higher levels (PSNR against the original falls with the level;
 * the measured ladder is printed). Benign edits stay close to the original.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '../backbone/preprocess';
import { applySynthetic, BENIGN_KINDS, benignEdit, distort, DISTORTION_KINDS, DISTORTIONS, planAugmentation, psnr, specKey, ssim } from './index';
import { jpegRoundTrip } from './codecs';
import { median3 } from './kinds';
import { gaussianTaps, separable, toFloat, toRgb } from './ops';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const photo = path.resolve(repoRoot, '../shared/datasets/quality-dev/images/9000003.jpg');
let img: RgbImage;

beforeAll(async () => {
  const { data, info } = await sharp(photo).resize(290).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  img = { data: new Uint8Array(data), width: info.width, height: info.height };
});

describe('distort', () => {
  it('covers the 25 KADID-10k types plus curved shake, combined defects and down-then-up sampling', () => {
    expect(DISTORTION_KINDS.length).toBe(29);
    expect(new Set(DISTORTION_KINDS).size).toBe(29);
    for (const k of ['camera_shake', 'shake_noise', 'dark_noise', 'down_up', 'jpeg2000', 'jpeg', 'impulse_noise', 'non_eccentricity_patch']) expect(DISTORTION_KINDS).toContain(k);
  });

  it('is deterministic per seed, differs across seeds, and leaves the input untouched', () => {
    const before = img.data.slice();
    for (const kind of ['white_noise', 'camera_shake', 'jitter', 'color_block', 'mean_shift']) {
      const a = distort(img, { kind, level: 3, seed: 7 });
      const b = distort(img, { kind, level: 3, seed: 7 });
      const c = distort(img, { kind, level: 3, seed: 8 });
      expect(Buffer.from(a.data).equals(Buffer.from(b.data)), kind).toBe(true);
      if (kind !== 'mean_shift') expect(Buffer.from(a.data).equals(Buffer.from(c.data)), kind).toBe(false);
    }
    expect(Buffer.from(img.data).equals(Buffer.from(before))).toBe(true);
  });

  it('damages more at every higher level (PSNR vs the original falls; SSIM at level 5 below level 1)', () => {
    const rows: string[] = [];
    for (const def of DISTORTIONS) {
      const out = [1, 2, 3, 4, 5].map((level) => distort(img, { kind: def.kind, level, seed: 11 }));
      const p = out.map((o) => psnr(img, o));
      const s = out.map((o) => ssim(img, o));
      rows.push(`${def.kind.padEnd(24)} PSNR ${p.map((v) => v.toFixed(1).padStart(5)).join(' ')}   SSIM ${s.map((v) => v.toFixed(3)).join(' ')}`);
      for (let l = 1; l < 5; l++) expect(p[l]!, `${def.kind} level ${l + 1} vs ${l}`).toBeLessThanOrEqual(p[l - 1]! + 0.05);
      expect(p[4]!, def.kind).toBeLessThan(p[0]! - 1);
      expect(out.every((o) => o.width === img.width && o.height === img.height)).toBe(true);
      // Colour-only kinds barely touch luma structure; the rest lose structural similarity.
      if (def.family !== 'colour' && def.kind !== 'mean_shift') expect(s[4]!, def.kind).toBeLessThan(s[0]!);
    }
    console.log(rows.join('\n'));
  });

  it('darken comes in three shapes (gain, tone curve, both) that agree on mid-grey at each level and differ in the highlights', () => {
    // A grey ramp 0..255 (one pixel per value), darkened by every seed until each shape has shown up.
    const ramp: RgbImage = { data: Uint8Array.from({ length: 256 * 3 }, (_, i) => Math.floor(i / 3)), width: 256, height: 1 };
    for (const level of [1, 2, 3, 4, 5]) {
      const shapes = new Map<number, Uint8Array>(); // white's output → the ramp's output
      for (let seed = 1; seed <= 40 && shapes.size < 3; seed++) {
        const out = distort(ramp, { kind: 'darken', level, seed }).data;
        shapes.set(out[255 * 3]!, out);
      }
      expect(shapes.size, `level ${level}: three shapes`).toBe(3);
      const mids = [...shapes.values()].map((o) => o[128 * 3]!);
      expect(Math.max(...mids) - Math.min(...mids), `level ${level}: mid-grey ${mids.join(', ')}`).toBeLessThanOrEqual(2);
      // The tone curve keeps white; the gain and the combined shape dim it.
      const whites = [...shapes.keys()].sort((a, b) => a - b);
      expect(whites[2]).toBe(255);
      expect(whites[0]!).toBeLessThan(200);
      for (const out of shapes.values()) for (let v = 1; v < 256; v++) expect(out[v * 3]!).toBeGreaterThanOrEqual(out[(v - 1) * 3]!);
    }
  });

  it('rejects unknown kinds and levels with a clear error', () => {
    expect(() => distort(img, { kind: 'nope', level: 1, seed: 1 })).toThrow(/unknown kind 'nope'/);
    expect(() => distort(img, { kind: 'jpeg', level: 6, seed: 1 })).toThrow(/level must be an integer 1..5/);
    expect(() => distort({ data: new Uint8Array(5), width: 2, height: 2 }, { kind: 'jpeg', level: 1, seed: 1 })).toThrow(/5 bytes for a 2x2/);
  });

  it('toRgb rounds half up and clamps exactly as Math.round and a clamp do (ties, negatives, > 255, NaN, ±Infinity)', () => {
    const special = [0, 0.5, 1.5, 254.5, 255.5, 255.49, -0.5, -0.49, -0.51, -3.5, 127.5, 2.4999, 1e9, -1e9, NaN, Infinity, -Infinity, 300, -300];
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const values = Float32Array.from([...special, ...Array.from({ length: 20_000 }, (_, i) => (i % 3 ? (rnd() * 320 - 30) : Math.floor(rnd() * 300 - 20) + 0.5))]);
    const n = Math.floor(values.length / 3);
    const got = toRgb({ data: values.subarray(0, n * 3), width: n, height: 1 }).data;
    expect(got).toBeInstanceOf(Uint8Array);
    const before = new Uint8Array(n * 3); // the code it replaced
    for (let i = 0; i < n * 3; i++) {
      const v = Math.round(values[i]!);
      before[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    for (let i = 0; i < n * 3; i++) expect(got[i], `toRgb(${values[i]})`).toBe(before[i]);
    expect(Array.from(got.subarray(0, special.length))).toEqual([0, 1, 2, 255, 255, 255, 0, 0, 0, 0, 128, 2, 255, 0, 0, 255, 0, 255, 0]);
  });

  it("separable's three-channel fast path gives each channel exactly what the one-channel path gives its plane", () => {
    const f = toFloat(img).data;
    const n = img.width * img.height;
    for (const sigma of [0.8, 4.5]) {
      const taps = gaussianTaps(sigma);
      const rgb = separable(f, img.width, img.height, 3, taps);
      for (let c = 0; c < 3; c++) {
        const plane = Float32Array.from({ length: n }, (_, i) => f[i * 3 + c]!);
        const one = separable(plane, img.width, img.height, 1, taps);
        let differ = 0;
        for (let i = 0; i < n; i++) if (!Object.is(one[i], rgb[i * 3 + c])) differ++;
        expect(differ, `sigma ${sigma}, channel ${c}`).toBe(0);
      }
    }
  });

  it('median3 (the 3x3 median of denoise) is the median of each edge-replicated window, ties and repeats included', () => {
    let seed = 5;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (const [w, h] of [[1, 1], [2, 3], [7, 5], [31, 17]] as const) {
      for (const ties of [false, true]) {
        const data = Float32Array.from({ length: w * h * 3 }, () => (ties ? Math.floor(rnd() * 4) : Math.fround(rnd() * 300 - 20)));
        const out = median3({ data, width: w, height: h }).data;
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
          const v: number[] = [];
          for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
            const yy = Math.min(h - 1, Math.max(0, y + dy));
            const xx = Math.min(w - 1, Math.max(0, x + dx));
            v.push(data[(yy * w + xx) * 3 + c]!);
          }
          expect(out[(y * w + x) * 3 + c], `${w}x${h} (${x}, ${y}) ${c}`).toBe(v.sort((a, b) => a - b)[4]);
        }
      }
    }
  });

  it('JPEG simulation: lower quality, lower PSNR; near-lossless at quality 100', () => {
    const q = [95, 75, 40, 10].map((quality) => psnr(img, toRgb(jpegRoundTrip(toFloat(img), quality))));
    expect(q[0]!).toBeGreaterThan(35);
    for (let i = 1; i < q.length; i++) expect(q[i]!).toBeLessThan(q[i - 1]!);
  });
});

describe('benign edits', () => {
  it('are deterministic and stay close to the original', () => {
    const rows: string[] = [];
    for (const kind of BENIGN_KINDS) {
      const a = benignEdit(img, { kind, seed: 3 });
      const b = benignEdit(img, { kind, seed: 3 });
      expect(Buffer.from(a.data).equals(Buffer.from(b.data)), kind).toBe(true);
      if (kind === 'resize' || kind === 'line_art') continue;
      const s = ssim(img, a);
      rows.push(`${kind.padEnd(14)} SSIM ${s.toFixed(3)}  PSNR ${psnr(img, a).toFixed(1)}`);
      expect(s, kind).toBeGreaterThan(0.8);
    }
    console.log(rows.join('\n'));
  });

  it('a benign edit is milder than a level-3 distortion of the same family', () => {
    const benign = ssim(img, benignEdit(img, { kind: 'jpeg_mild', seed: 1 }));
    expect(benign).toBeGreaterThan(ssim(img, distort(img, { kind: 'jpeg', level: 3, seed: 1 })));
    const lowKey = psnr(img, benignEdit(img, { kind: 'low_key', seed: 1 }));
    expect(lowKey).toBeGreaterThan(psnr(img, distort(img, { kind: 'darken', level: 3, seed: 1 })));
  });

  it('line_art draws the photo as ink on paper: a few dark strokes on its edges, no colour, nothing else', () => {
    const luma = (d: Uint8Array, i: number) => 0.299 * d[3 * i]! + 0.587 * d[3 * i + 1]! + 0.114 * d[3 * i + 2]!;
    const n = img.width * img.height;
    // The original's edge strength per pixel (central differences of luma).
    const edge = new Float32Array(n);
    for (let y = 1; y < img.height - 1; y++) {
      for (let x = 1; x < img.width - 1; x++) {
        const i = y * img.width + x;
        edge[i] = Math.hypot(luma(img.data, i + 1) - luma(img.data, i - 1), luma(img.data, i + img.width) - luma(img.data, i - img.width));
      }
    }
    const shares: number[] = [];
    for (let seed = 1; seed <= 4; seed++) {
      const a = benignEdit(img, { kind: 'line_art', seed });
      expect(a.width * a.height).toBe(n);
      expect(Buffer.from(a.data).equals(Buffer.from(benignEdit(img, { kind: 'line_art', seed: seed + 10 }).data))).toBe(false);
      let ink = 0;
      let inkEdge = 0;
      let paperEdge = 0;
      let maxChroma = 0;
      for (let i = 0; i < n; i++) {
        maxChroma = Math.max(maxChroma, Math.max(a.data[3 * i]!, a.data[3 * i + 1]!, a.data[3 * i + 2]!) - Math.min(a.data[3 * i]!, a.data[3 * i + 1]!, a.data[3 * i + 2]!));
        if (luma(a.data, i) < 128) {
          ink++;
          inkEdge += edge[i]!;
        } else paperEdge += edge[i]!;
      }
      shares.push(ink / n);
      // Strokes are a minority, and they lie where the photo has edges.
      expect(ink / n).toBeGreaterThan(0.02);
      expect(ink / n).toBeLessThan(0.25);
      expect(inkEdge / ink).toBeGreaterThan(3 * (paperEdge / (n - ink)));
      // Black or sepia ink on white or cream paper: never the photo's colours.
      expect(maxChroma).toBeLessThanOrEqual(45);
    }
    console.log(`line_art ink share per seed: ${shares.map((s) => s.toFixed(3)).join(', ')}`);
  });

  it('resize changes the size within ×0.5–×1.5', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const r = benignEdit(img, { kind: 'resize', seed });
      expect(r.width / img.width).toBeGreaterThanOrEqual(0.49);
      expect(r.width / img.width).toBeLessThanOrEqual(1.51);
    }
  });
});

describe('planAugmentation', () => {
  const keys = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `${(from + i).toString(16).padStart(64, '0')}`);

  it('uses every kind about equally, honours exclusions and is deterministic', () => {
    const sources = keys(300);
    const plan = planAugmentation(sources, { copies: 4, seed: 1, excludeKinds: ['jpeg', 'jpeg2000'] });
    expect(plan).toEqual(planAugmentation(sources, { copies: 4, seed: 1, excludeKinds: ['jpeg', 'jpeg2000'] }));
    const bad = plan.filter((p) => p.label === 'bad');
    expect(bad.length).toBe(300 * 4);
    expect(plan.filter((p) => p.label === 'good').length).toBe(300 * 2);
    const counts = new Map<string, number>();
    for (const p of bad) counts.set(p.spec.kind, (counts.get(p.spec.kind) ?? 0) + 1);
    expect(counts.has('jpeg')).toBe(false);
    expect(counts.size).toBe(27);
    // 1,200 copies over 27 kinds: ~44 each; a kind drawn at random per source stays within ±50 %.
    for (const c of counts.values()) expect(Math.abs(c - 1200 / 27)).toBeLessThan(0.5 * (1200 / 27));
    // Exclusions only swap the excluded copies: every other copy is the full plan's (and cached).
    const full = planAugmentation(sources, { copies: 4, seed: 1 });
    full.forEach((p, i) => {
      if (p.spec.kind !== 'jpeg' && p.spec.kind !== 'jpeg2000') expect(plan[i]).toEqual(p);
      else expect(plan[i]).toMatchObject({ source: p.source, label: p.label, spec: { level: p.spec.level, seed: p.spec.seed } });
    });
    expect(bad.every((p) => p.spec.level >= 2 && p.spec.level <= 5)).toBe(true);
    // One source's distorted copies are of distinct kinds.
    for (let s = 0; s < 300; s++) expect(new Set(bad.filter((p) => p.source === s).map((p) => p.spec.kind)).size).toBe(4);
    expect(new Set(plan.map((p) => `${p.source}:${specKey(p.spec)}`)).size).toBe(plan.length);
    expect(plan.filter((p) => p.label === 'good').every((p) => BENIGN_KINDS.includes(p.spec.kind) && p.spec.level === 0)).toBe(true);
    expect(() => applySynthetic(img, plan[0]!.spec)).not.toThrow();
  });

  it("gives each image the same copies whatever the other images are (a label fix re-embeds only that image's copies)", () => {
    const sources = keys(50);
    const copiesOf = (plan: ReturnType<typeof planAugmentation>, list: readonly string[]) => {
      const by = new Map<string, string[]>();
      for (const p of plan) by.set(list[p.source]!, [...(by.get(list[p.source]!) ?? []), `${p.label}:${specKey(p.spec)}`]);
      return by;
    };
    const before = copiesOf(planAugmentation(sources, { copies: 4, seed: 7 }), sources);
    // One image becomes good (inserted in the middle), another is relabelled bad (removed).
    const after = [...sources.slice(0, 20), keys(1, 999)[0]!, ...sources.slice(21)];
    const now = copiesOf(planAugmentation(after, { copies: 4, seed: 7 }), after);
    for (const key of after) if (key !== keys(1, 999)[0]) expect(now.get(key)).toEqual(before.get(key));
    // A different seed gives different copies.
    const other = copiesOf(planAugmentation(sources, { copies: 4, seed: 8 }), sources);
    expect(sources.filter((k) => JSON.stringify(other.get(k)) === JSON.stringify(before.get(k))).length).toBeLessThan(5);
  });
});
