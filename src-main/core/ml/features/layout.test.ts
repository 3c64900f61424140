import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEV_DIR, DEV_IMAGES, tempDir } from '../../../../test-support/fixtures';
import { LAYOUT_DIM, LAYOUT_SIDE, layoutOfFile, layoutOfGrey } from './layout';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

/** The dev set's truth: id → source photo. */
function devSources(): { id: string; source: string }[] {
  const [head, ...lines] = fs.readFileSync(path.join(DEV_DIR, 'truth.tsv'), 'utf8').trim().split('\n');
  const cols = head!.split('\t');
  return lines.map((l) => l.split('\t')).map((c) => ({ id: c[cols.indexOf('id')]!, source: c[cols.indexOf('source_file')]! }));
}

describe('layout', () => {
  const side = 2 * LAYOUT_SIDE;
  const ramp = Float32Array.from({ length: side * side }, (_, i) => 40 + ((i % side) * 3 + Math.floor(i / side) * 2));

  it('is unit-length and zero-mean, ignores gain and offset, and is all zeros for a flat picture', () => {
    const v = layoutOfGrey(ramp);
    expect(v.length).toBe(LAYOUT_DIM);
    expect(dot(v, v)).toBeCloseTo(1, 5);
    expect(v.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 4);
    const exposed = layoutOfGrey(Float32Array.from(ramp, (g) => 0.5 * g + 90));
    expect(dot(v, exposed)).toBeCloseTo(1, 5);
    expect(layoutOfGrey(new Float32Array(side * side).fill(128)).every((x) => x === 0)).toBe(true);
    expect(() => layoutOfGrey(new Float32Array(10))).toThrow(/expected/);
  });

  it('barely moves under noise, JPEG damage and blur of a real photo, and tells photos apart', async () => {
    const dir = tempDir('qc-layout-');
    const src = path.join(DEV_IMAGES, '9000003.jpg');
    const base = await layoutOfFile(src);
    const versions = {
      jpeg: await sharp(src).jpeg({ quality: 5 }).toFile(path.join(dir, 'j.jpg')).then(() => path.join(dir, 'j.jpg')),
      blur: await sharp(src).blur(4).toFile(path.join(dir, 'b.jpg')).then(() => path.join(dir, 'b.jpg')),
      dark: await sharp(src).linear(0.3, 0).toFile(path.join(dir, 'd.jpg')).then(() => path.join(dir, 'd.jpg')),
      small: await sharp(src).resize(120).toFile(path.join(dir, 's.jpg')).then(() => path.join(dir, 's.jpg')),
    };
    const others = await Promise.all(['9000001.jpg', '9000002.jpg', '9000010.jpg'].map((f) => layoutOfFile(path.join(DEV_IMAGES, f))));
    const farthestOther = Math.max(...others.map((o) => dot(base, o)));
    for (const [kind, file] of Object.entries(versions)) {
      const s = dot(base, await layoutOfFile(file));
      expect(s, kind).toBeGreaterThan(0.9);
      expect(s, kind).toBeGreaterThan(farthestOther);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("finds a dev photo's other versions (cropped, resized, damaged) as its nearest layouts", async () => {
    // 15 source photos, all their versions: how often is an image's nearest layout a version of its own photo?
    const truth = devSources();
    const sources = [...new Set(truth.map((t) => t.source))].sort().filter((_, i) => i % 5 === 0).slice(0, 15);
    const items = truth.filter((t) => sources.includes(t.source));
    const layouts = await Promise.all(items.map((t) => layoutOfFile(path.join(DEV_IMAGES, `${t.id}.jpg`))));
    let hits = 0;
    items.forEach((t, i) => {
      let best = -1;
      let bestS = -Infinity;
      layouts.forEach((l, j) => {
        const s = j === i ? -Infinity : dot(layouts[i]!, l);
        if (s > bestS) [best, bestS] = [j, s];
      });
      if (items[best]!.source === t.source) hits++;
    });
    console.log(`layout: nearest is a version of the same photo for ${hits} of ${items.length} images (${sources.length} photos)`);
    // Over the whole dev set it is 93%; chance is under 1 in 10 here.
    expect(hits / items.length).toBeGreaterThan(0.8);
  });
});
