/**
 * The ONNX backbone against the original: the nsfwjs MobileNetV2 run by @tensorflow/tfjs (wasm
 * backend), truncated at the pooled layer, on real photos. Also provider reporting and manifest errors.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertBackbone, defaultSourceDir, DEFAULT_OUTPUT_LAYER } from './convert';
import { QcError } from '../../../../src-shared/contract/errors';
import { loadManifest, parseManifest } from './manifest';
import { cosine } from '../../../../test-support/vectors';
import { preprocessBatch } from './preprocess';
import { type Backbone, backboneThreads, CPU_BATCH, DEFAULT_PROVIDERS, openBackbone, providerOrder, toModelInput } from './runtime';
import { DEV_IMAGES, REPO_ROOT, devPhotos } from '../../../../test-support/fixtures';

const modelsDir = path.join(REPO_ROOT, 'resources', 'models');
const ID = 'mobilenet_v2_nsfwjs';
const N_IMAGES = 10;
const require = createRequire(import.meta.url);

/** nsfwjs's own layers model, loaded the way nsfwjs's JSONHandler does, cut at the pooled layer. */
async function loadTfjsReference(): Promise<tf.LayersModel> {
  setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), path.sep));
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend did not start');
  const dir = defaultSourceDir();
  // tfjs/onnx JSON boundary: the bundled model is an untyped CommonJS export.
  const json = require(path.join(dir, 'model.min.js')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => Buffer.from(require(path.join(dir, `${p}.min.js`)) as string, 'base64')));
  const bytes = Buffer.concat(shards);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    }),
  );
  return tf.model({ inputs: model.inputs, outputs: model.getLayer(DEFAULT_OUTPUT_LAYER).output as tf.SymbolicTensor });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function row(x: Float32Array, i: number, dim: number): Float32Array {
  return x.subarray(i * dim, (i + 1) * dim);
}

let images: string[];
let batch: Float32Array;
let backbone: Backbone;
let reference: Float32Array;
let tmp: string;

beforeAll(async () => {
  await convertBackbone(); // writes resources/models/mobilenet_v2_nsfwjs.onnx, or reuses it when the hashes match
  const all = devPhotos();
  if (all.length < N_IMAGES) throw new Error(`need ${N_IMAGES} photos in ${DEV_IMAGES}, found ${all.length}`);
  const step = Math.floor(all.length / N_IMAGES);
  images = Array.from({ length: N_IMAGES }, (_, i) => path.join(DEV_IMAGES, all[i * step]!)); // spread over the set
  batch = await preprocessBatch(images);
  backbone = await openBackbone(ID, { modelsDir, providers: ['cpu'] });

  const model = await loadTfjsReference();
  const input = tf.tensor4d(batch, [N_IMAGES, 224, 224, 3]);
  const out = model.predict(input) as tf.Tensor;
  reference = (await out.data()) as Float32Array;
  tf.dispose([input, out]);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'qc-backbone-'));
});

afterAll(async () => {
  await backbone?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('ONNX backbone vs tfjs nsfwjs', () => {
  it('matches the tfjs embedding within 1e-4 on real photos', async () => {
    const emb = await backbone.embed(batch, N_IMAGES);
    expect(emb.length).toBe(N_IMAGES * 1280);
    const diff = maxAbsDiff(emb, reference);
    console.info(`max |onnx - tfjs| over ${N_IMAGES} photos x 1280: ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
    expect(emb.every(Number.isFinite)).toBe(true);
  });

  it('gives different embeddings for different photos, and the same one alone or in a batch', async () => {
    const emb = await backbone.embed(batch, N_IMAGES);
    for (let i = 0; i < N_IMAGES; i++)
      for (let j = i + 1; j < N_IMAGES; j++) expect(maxAbsDiff(row(emb, i, 1280), row(emb, j, 1280)), `photos ${i} and ${j}`).toBeGreaterThan(0.05);
    const alone = await backbone.embed(batch.subarray(3 * 224 * 224 * 3, 4 * 224 * 224 * 3), 1);
    expect(maxAbsDiff(alone, row(emb, 3, 1280))).toBeLessThan(1e-5);
  });

  it('gives the same vectors whatever the CPU call size and thread count (10 photos in calls of 1, 3, 4 or 10; 1 or 2 threads)', async () => {
    const emb = await backbone.embed(batch, N_IMAGES); // calls of CPU_BATCH
    expect(CPU_BATCH).toBeLessThan(N_IMAGES); // so the call above was split
    for (const [cpuBatch, threads] of [
      [1, 1],
      [3, 2],
      [10, 1],
    ] as const) {
      const other = await openBackbone(ID, { modelsDir, providers: ['cpu'], cpuBatch, intraOpNumThreads: threads });
      try {
        expect(maxAbsDiff(await other.embed(batch, N_IMAGES), emb), `calls of ${cpuBatch}, ${threads} threads`).toBe(0);
      } finally {
        await other.close();
      }
    }
  });

  it('uses half the cores for onnxruntime threads (at least one) unless QC_ORT_THREADS says otherwise', () => {
    expect(backboneThreads({}, 2)).toBe(1);
    expect(backboneThreads({}, 1)).toBe(1);
    expect(backboneThreads({}, 16)).toBe(8);
    expect(backboneThreads({ QC_ORT_THREADS: '3' }, 2)).toBe(3);
    expect(backboneThreads({ QC_ORT_THREADS: 'lots' }, 6)).toBe(3);
    expect(backboneThreads({ QC_ORT_THREADS: '0' }, 6)).toBe(3);
  });

  it('runs the int8 backbone from the shipped manifest: the same photos, close to the float32 embedding, the same in any call size', async () => {
    const int8 = await openBackbone('mobilenet_v2_nsfwjs_int8', { modelsDir, providers: ['cpu'] }); // built from the float32 model when missing
    try {
      const [a, b] = [await backbone.embed(batch, N_IMAGES), await int8.embed(batch, N_IMAGES)];
      const cosines: number[] = [];
      for (let i = 0; i < N_IMAGES; i++) {
        const [u, v] = [row(a, i, 1280), row(b, i, 1280)];
        cosines.push(cosine(u, v));
        expect(maxAbsDiff(u, v)).toBeGreaterThan(0); // really the other model
      }
      // Quantisation noise, not a broken graph (wrong scales or zero points land near 0): cosine to
      // float32 per photo. Measured on 142 dev photos: median 0.967, tenth percentile 0.906, lowest 0.62.
      cosines.sort((x, y) => x - y);
      console.info(`int8 vs float32 cosine over ${N_IMAGES} photos: min ${cosines[0]!.toFixed(3)}, median ${cosines[N_IMAGES >> 1]!.toFixed(3)}`);
      expect(cosines[0]).toBeGreaterThan(0.5);
      expect(cosines[N_IMAGES >> 1]).toBeGreaterThan(0.93);
      const alone = await int8.embed(batch.subarray(5 * 224 * 224 * 3, 6 * 224 * 224 * 3), 1);
      expect(maxAbsDiff(alone, row(b, 5, 1280))).toBeLessThan(1e-5);
    } finally {
      await int8.close();
    }
  }, 120_000);

  it('rejects a batch whose length does not match n', async () => {
    await expect(backbone.embed(new Float32Array(100), 1)).rejects.toThrow(/expected 1 x 224 x 224 x 3 = 150528 values, got 100/);
    expect(await backbone.embed(new Float32Array(0), 0)).toHaveLength(0);
  });
});

describe('execution providers', () => {
  it('reports the provider that runs (cpu here) after trying the others one at a time', async () => {
    expect(backbone.provider).toBe('cpu');
    const auto = await openBackbone(ID, { modelsDir });
    try {
      expect(DEFAULT_PROVIDERS).toContain(auto.provider);
      const last = auto.attempts.at(-1)!;
      expect(last).toMatchObject({ provider: auto.provider, ok: true });
      for (const a of auto.attempts.slice(0, -1)) expect(a.error, a.provider).toBeTruthy();
      console.info(`provider: ${auto.provider}; tried ${auto.attempts.map((a) => `${a.provider}${a.ok ? ' ok' : `: ${a.error}`}`).join(' | ')}`);
    } finally {
      await auto.close();
    }
  });

  it('adapts 0..1 NHWC pixels to the layout and normalisation a manifest entry declares', () => {
    const rgb = { channels: 'RGB' } as const;
    const x = Float32Array.from({ length: 12 }, (_, i) => i); // one 2x2 image: pixel p, channel c = 3p + c
    expect(Array.from(toModelInput(x, 1, { ...rgb, size: 2, layout: 'NCHW', scale: [0, 1] }))).toEqual([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
    const px = Float32Array.from([0, 0.5, 1, 0.25, 0.75, 0.5]); // two 1x1 images
    expect(Array.from(toModelInput(px, 2, { ...rgb, size: 1, layout: 'NHWC', mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 0.5] }))).toEqual([-1, 0, 1, -0.5, 1, 0]);
    expect(Array.from(toModelInput(px, 2, { ...rgb, size: 1, layout: 'NHWC', scale: [-1, 1] }))).toEqual([-1, 0, 1, -0.5, 0.5, 0]);
    expect(toModelInput(px, 2, { ...rgb, size: 1, layout: 'NHWC', scale: [0, 1] })).toBe(px); // passed through, no copy
  });

  it('QC_PROVIDERS overrides the order', () => {
    expect(providerOrder(undefined, { QC_PROVIDERS: 'cpu' })).toEqual(['cpu']);
    expect(providerOrder(['cuda', 'cpu'], { QC_PROVIDERS: ' WebGPU, cpu ' })).toEqual(['webgpu', 'cpu']);
    expect(providerOrder(['cuda', 'cpu'], {})).toEqual(['cuda', 'cpu']);
    expect(providerOrder(undefined, {})).toEqual([...DEFAULT_PROVIDERS]);
  });
});

describe('backbone manifest', () => {
  it('loads the shipped manifest', async () => {
    const m = await loadManifest(modelsDir);
    expect(m.backbones.find((b) => b.id === ID)).toMatchObject({ dim: 1280, input: { size: 224, layout: 'NHWC', channels: 'RGB', scale: [0, 1] }, output: 'embedding' });
  });

  it('rejects a bad manifest, naming every problem', () => {
    const bad = JSON.stringify({
      version: 1,
      backbones: [
        { id: 'a b', file: '../x.onnx', input: { size: 0, layout: 'nhwc', channels: 'BGR', scale: [0, 1] }, output: '', dim: -1, license: 'MIT', source: 's' },
        { id: 'ok', file: 'ok.onnx', input: { size: 224, layout: 'NCHW', channels: 'RGB', scale: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] }, output: 'o', dim: 8, license: 'MIT', source: 's' },
        { id: 'ok', file: 'ok2.onnx', input: { size: 224, layout: 'NCHW', channels: 'RGB', scale: [0, 1] }, output: 'o', dim: 8, license: 'MIT', source: 's' },
      ],
    });
    let err: unknown;
    try {
      parseManifest(bad, 'backbones.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QcError);
    const msg = (err as QcError).message;
    for (const part of [
      'backbones[0].id: must be letters',
      'backbones[0].file: must be a path inside the models directory',
      'backbones[0].input.size: must be a positive integer, got 0',
      'backbones[0].input.layout: must be "NHWC" or "NCHW", got "nhwc"',
      'backbones[0].input.channels: must be "RGB", got "BGR"',
      'backbones[0].output: must be a non-empty string',
      'backbones[0].dim: must be a positive integer, got -1',
      'backbones[1].input: needs exactly one of "scale"',
      'id "ok" is used more than once',
    ])
      expect(msg).toContain(part);
    expect((err as QcError).describe()).toMatch(/^backbones\.json: invalid backbone manifest/);
    expect(() => parseManifest('{"version": 1, "backbones": [', 'm.json')).toThrow(/not valid JSON/);
    expect(() => parseManifest('{"version": 2, "backbones": []}')).toThrow(/version: must be 1, got 2[\s\S]*backbones: must be a non-empty array/);
  });

  it('checks a user entry against the model: wrong output name, missing file, fixed-size batches', async () => {
    await symlink(path.join(modelsDir, 'mobilenet_v2_nsfwjs.onnx'), path.join(tmp, 'user.onnx'));
    const entry = { file: 'user.onnx', input: { size: 224, layout: 'NHWC', channels: 'RGB', scale: [0, 1] }, output: 'embedding', dim: 1280, license: 'MIT', source: 'test' };
    const manifest = {
      version: 1,
      backbones: [
        { ...entry, id: 'chunked', maxBatch: 3 },
        { ...entry, id: 'wrong-output', output: 'logits' },
        { ...entry, id: 'wrong-layout', input: { ...entry.input, layout: 'NCHW' } },
        { ...entry, id: 'missing', file: 'nope.onnx' },
      ],
    };
    await writeFile(path.join(tmp, 'backbones.json'), JSON.stringify(manifest));
    const opts = { modelsDir: tmp, providers: ['cpu'] };
    await expect(openBackbone('wrong-output', opts)).rejects.toThrow(/no output named "logits" \(the model has: embedding\)/);
    await expect(openBackbone('wrong-layout', opts)).rejects.toThrow(/input "input" has shape \[N, 224, 224, 3\], the manifest says NCHW/);
    await expect(openBackbone('missing', opts)).rejects.toThrow(/nope\.onnx is missing/);
    await expect(openBackbone('nothing', opts)).rejects.toThrow(/no backbone with id "nothing"; the manifest lists: chunked, wrong-output/);
    // An id is an argument: the error does not say where the app is installed.
    await expect(openBackbone('nothing', opts)).rejects.toMatchObject({ code: 'not_found', file: 'backbones.json' });

    const chunked = await openBackbone('chunked', opts);
    try {
      const emb = await chunked.embed(batch, N_IMAGES); // 3 + 3 + 3 + 1
      expect(maxAbsDiff(emb, reference)).toBeLessThan(1e-4);
    } finally {
      await chunked.close();
    }
  });

  it('builds an int8 entry from its committed ranges, uses an existing file without them, and says what is missing when both are', async () => {
    const dir = await mkdtemp(path.join(tmp, 'int8-'));
    const shipped = (await loadManifest(modelsDir)).backbones;
    await writeFile(path.join(dir, 'backbones.json'), JSON.stringify({ version: 1, backbones: shipped }));
    await symlink(path.join(modelsDir, 'mobilenet_v2_nsfwjs.onnx'), path.join(dir, 'mobilenet_v2_nsfwjs.onnx'));
    const opts = { modelsDir: dir, providers: ['cpu'] };
    await expect(openBackbone('mobilenet_v2_nsfwjs_int8', opts)).rejects.toThrow(/neither .*mobilenet_v2_nsfwjs_int8\.onnx nor its calibrated ranges .*mobilenet_v2_nsfwjs_int8\.ranges\.json exist \(.*--calibrate/);
    const ranges = 'mobilenet_v2_nsfwjs_int8.ranges.json';
    await writeFile(path.join(dir, ranges), await readFile(path.join(modelsDir, ranges)));
    const built = await openBackbone('mobilenet_v2_nsfwjs_int8', opts);
    await built.close();
    // Built from the same float32 model and ranges: the shipped file's bytes.
    expect(Buffer.compare(await readFile(path.join(dir, 'mobilenet_v2_nsfwjs_int8.onnx')), await readFile(path.join(modelsDir, 'mobilenet_v2_nsfwjs_int8.onnx')))).toBe(0);
    await rm(path.join(dir, ranges));
    const asIs = await openBackbone('mobilenet_v2_nsfwjs_int8', opts);
    expect(asIs.id).toBe('mobilenet_v2_nsfwjs_int8');
    await asIs.close();
  });
});
