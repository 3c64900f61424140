/**
 * The int8 backbone: the QDQ rewrite of the real converted MobileNetV2, calibrated on real demo
 * photos, run by onnxruntime (which must fuse it into integer kernels), against the float32 model.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertBackbone } from './convert';
import { ModelProto, type OnnxNode } from './onnx';
import { cosine } from '../../../../test-support/vectors';
import { preprocessImage } from './preprocess';
import { calibrateToFile, calibrationDir, ensureQuantized, folderCalibration, quantisedTensors, quantiseWeights, rangesFileFor, readRanges, uint8Params, WEIGHT_MAX } from './quantize';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const modelsDir = path.join(repoRoot, 'resources', 'models');
const demoImages = calibrationDir(modelsDir);
/** The ranges committed beside the shipped int8 model. */
const committedRanges = rangesFileFor(path.join(modelsDir, 'mobilenet_v2_nsfwjs_int8.onnx'));
const opsOf = (bytes: Uint8Array) => (ModelProto.toObject(ModelProto.decode(bytes), { defaults: false }) as { graph: { node: OnnxNode[] } }).graph.node;

describe('int8 arithmetic', () => {
  it('puts zero exactly on the uint8 grid and covers the range', () => {
    for (const r of [
      { min: 0, max: 6 },
      { min: -3.2, max: 7.9 },
      { min: 0.5, max: 2 }, // widened to include 0
      { min: -4, max: -1 },
    ]) {
      const { scale, zeroPoint } = uint8Params(r);
      expect(Number.isInteger(zeroPoint) && zeroPoint >= 0 && zeroPoint <= 255).toBe(true);
      // The grid's ends reach the range to within half a step (the zero point is rounded); 0 is q = zeroPoint.
      expect((0 - zeroPoint) * scale).toBeLessThanOrEqual(Math.min(0, r.min) + scale / 2 + 1e-9);
      expect((255 - zeroPoint) * scale).toBeGreaterThanOrEqual(Math.max(0, r.max) - scale / 2 - 1e-9);
      expect(scale).toBeLessThanOrEqual((Math.max(0, r.max) - Math.min(0, r.min)) / 255 + 1e-12);
    }
  });

  it('rounds weights per output channel to within half a step', () => {
    const w = Float32Array.from({ length: 3 * 8 }, (_, i) => Math.sin(i * 1.7) * (1 + Math.floor(i / 8) * 10));
    const { q, scales } = quantiseWeights(w, 3);
    expect(scales[2]! / scales[0]!).toBeGreaterThan(5); // each channel has its own scale
    expect(Math.max(...Array.from(q, Math.abs))).toBe(WEIGHT_MAX); // 7 bits: no int16 saturation on AVX2
    for (let i = 0; i < w.length; i++) expect(Math.abs(q[i]! * scales[Math.floor(i / 8)]! - w[i]!)).toBeLessThanOrEqual(scales[Math.floor(i / 8)]! / 2 + 1e-7);
  });
});

describe('quantised MobileNetV2', () => {
  let dir: string;
  let fp32File: string;
  let int8File: string;
  let rangesFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'qc-quantize-'));
    fp32File = path.join(dir, 'fp32.onnx');
    int8File = path.join(dir, 'int8.onnx');
    rangesFile = rangesFileFor(int8File);
    await convertBackbone({ outFile: fp32File });
    // Four demo photos keep the test fast; the committed ranges come from every fifth (~60).
    const c = await calibrateToFile(fp32File, rangesFile, folderCalibration(demoImages, 100));
    expect(c.calibration).toMatch(/every 100th photo of demo\/images \(4: /);
    const r = await ensureQuantized(fp32File, int8File);
    expect(r).toEqual({ cached: false, tensors: quantisedTensors(opsOf(await readFile(fp32File))).length });
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('quantises every activation a layer reads: ReLU6 outputs, residual sums and the linear bottlenecks', async () => {
    const nodes = opsOf(await readFile(fp32File));
    const t = new Set(quantisedTensors(nodes));
    const clips = nodes.filter((n) => n.op_type === 'Clip');
    const adds = nodes.filter((n) => n.op_type === 'Add');
    expect(clips.length).toBeGreaterThan(30);
    for (const n of [...clips, ...adds]) expect(t.has(n.output[0]!)).toBe(true);
    // A convolution followed by its ReLU6 is quantised after the clip, not before.
    const clipped = new Set(clips.map((n) => n.input[0]));
    for (const n of nodes.filter((x) => x.op_type === 'Conv')) expect(t.has(n.output[0]!)).toBe(!clipped.has(n.output[0]!));
  });

  it('is fused by onnxruntime into integer convolutions, and stays close to the float32 embedding', async () => {
    const optimised = path.join(dir, 'optimised.onnx');
    const s8 = await ort.InferenceSession.create(int8File, { graphOptimizationLevel: 'all', logSeverityLevel: 3, optimizedModelFilePath: optimised });
    const s32 = await ort.InferenceSession.create(fp32File, { logSeverityLevel: 3 });
    const ops = opsOf(await readFile(optimised)).map((n) => n.op_type);
    expect(ops.filter((o) => o === 'QLinearConv').length).toBe(opsOf(await readFile(fp32File)).filter((n) => n.op_type === 'Conv').length);
    expect(ops).not.toContain('Conv');
    // Photos the calibration did not see.
    const files = ['9000002.jpg', '9000005.jpg', '9000026.jpg'].map((f) => path.join(demoImages, f));
    for (const f of files) {
      const x = await preprocessImage(f);
      const feeds = { input: new ort.Tensor('float32', x, [1, 224, 224, 3]) };
      const a = (await s32.run(feeds)).embedding!.data as Float32Array;
      const b = (await s8.run(feeds)).embedding!.data as Float32Array;
      expect(cosine(a, b)).toBeGreaterThan(0.85);
    }
    await s8.release();
    await s32.release();
  }, 60_000);

  it('is rebuilt only when its source model or its ranges change', async () => {
    expect((await ensureQuantized(fp32File, int8File)).cached).toBe(true);
    const text = await readFile(rangesFile, 'utf8');
    await writeFile(rangesFile, text.replace('"Conv1_relu": [0,6]', '"Conv1_relu": [0,5.5]'));
    expect(text).toContain('"Conv1_relu": [0,6]');
    expect((await ensureQuantized(fp32File, int8File)).cached).toBe(false);
    expect((await ensureQuantized(fp32File, int8File)).cached).toBe(true);
    await writeFile(rangesFile, text);
  }, 60_000);

  it('builds the same bytes from the committed ranges every time, which name every quantised tensor', async () => {
    const fp32 = await readFile(fp32File);
    expect(readRanges(committedRanges, fp32).size).toBe(quantisedTensors(opsOf(fp32)).length);
    const [a, b] = [path.join(dir, 'a.onnx'), path.join(dir, 'b.onnx')];
    await ensureQuantized(fp32File, a, committedRanges);
    await ensureQuantized(fp32File, b, committedRanges);
    expect(Buffer.compare(await readFile(a), await readFile(b))).toBe(0);
  }, 60_000);

  it('refuses ranges that miss a tensor, naming it', async () => {
    const bad = path.join(dir, 'bad.ranges.json');
    const data = JSON.parse(await readFile(rangesFile, 'utf8')) as { ranges: Record<string, unknown> };
    delete data.ranges.Conv1_relu;
    await writeFile(bad, JSON.stringify(data));
    await expect(ensureQuantized(fp32File, path.join(dir, 'bad.onnx'), bad)).rejects.toThrow(/no valid range for tensor Conv1_relu/);
  });

  it('says where calibration photos were expected when there are none', () => {
    expect(() => folderCalibration(path.join(dir, 'nowhere'))).toThrow(/no calibration images in .*nowhere/);
  });
});
