import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { EpochStats } from '../../../src-shared/domain/ml';
import { tempDir } from '../../../test-support/fixtures';
import { niceTicks, renderCurvesSvg, writeRunGraphs } from './graphs';

const epochs: EpochStats[] = Array.from({ length: 12 }, (_, i) => ({
  epoch: i + 1,
  trainLoss: 0.7 * Math.exp(-i / 3),
  valLoss: 0.5 + 0.02 * (i - 4) ** 2,
  trainAccuracy: Math.min(0.99, 0.6 + i * 0.04),
  valAccuracy: 0.8,
  seconds: 0.1,
}));

describe('train graphs', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('draws one path per series with points where the values are, higher values higher up', async () => {
    const svg = renderCurvesSvg([1, 2, 3], [{ label: 'a', values: [1, 2, 3], color: '#ff0000' }, { label: 'b', values: [null, 0.5, undefined], color: '#00ff00' }], { title: 'T <&>', yLabel: 'y' });
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('T &#60;&#38;&#62;');
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)" r="2.5" fill="#ff0000"/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(3);
    expect(ys[0]!).toBeGreaterThan(ys[1]!);
    expect(ys[1]!).toBeGreaterThan(ys[2]!);
    expect(svg.match(/fill="#00ff00"/g)).toHaveLength(1); // only the one finite point of b
    // Integer epoch ticks only.
    const ticks = [...svg.matchAll(/text-anchor="middle" fill="#333">(\d+(?:\.\d+)?)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['1', '2', '3']);
    // librsvg accepts it.
    const meta = await sharp(Buffer.from(svg)).metadata();
    expect(meta.format).toBe('svg');
  });

  it('writes loss and accuracy as SVG and PNG with the fit verdict in the subtitle', async () => {
    const { files, fit } = await writeRunGraphs(7, epochs, dir);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['run-7-accuracy.png', 'run-7-accuracy.svg', 'run-7-loss.png', 'run-7-loss.svg']);
    expect(fit.verdict).toBe('overfitting');
    expect(fs.readFileSync(path.join(dir, 'run-7-loss.svg'), 'utf8')).toContain('overfitting');
    const { data, info } = await sharp(path.join(dir, 'run-7-loss.png')).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBeGreaterThanOrEqual(640);
    // The training curve's blue is drawn.
    let blue = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i]! < 80 && data[i + 2]! > 200 && data[i + 1]! > 80 && data[i + 1]! < 140) blue++;
    expect(blue).toBeGreaterThan(50);
  });

  it('never writes through a link planted at a graph\'s name; a link where a folder of the export goes is refused', async () => {
    const out = path.join(dir, 'planted');
    fs.mkdirSync(out);
    const victims = ['run-3-loss.svg', 'run-3-accuracy.png', 'run-3-loss.png'].map((name) => {
      const victim = path.join(dir, `victim-${name}`);
      fs.writeFileSync(victim, 'PRECIOUS\n');
      fs.symlinkSync(victim, path.join(out, name));
      return victim;
    });
    const { files } = await writeRunGraphs(3, epochs, out);
    for (const v of victims) expect(fs.readFileSync(v, 'utf8'), v).toBe('PRECIOUS\n');
    for (const f of files) expect(fs.lstatSync(f).isFile(), f).toBe(true);
    expect((await sharp(path.join(out, 'run-3-accuracy.png')).metadata()).format).toBe('png');
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // export.model's train_graphs/ sits inside the model folder: a link planted there is not followed.
    fs.symlinkSync(dir, path.join(out, 'train_graphs'));
    await expect(writeRunGraphs(3, epochs, path.join(out, 'train_graphs'), { base: out })).rejects.toMatchObject({ code: 'bad_input' });
  });

  it('picks readable tick steps', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 0.7).at(-1)).toBeLessThanOrEqual(0.7);
  });
});
