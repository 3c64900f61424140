/**
 * The converter beyond MobileNetV2 (which runtime.test.ts checks against tfjs): a small tfjs model
 * using the layer variants MobileNetV2 does not (SAME padding with stride 2, a BatchNormalization
 * that cannot be folded, depth multiplier 2, Activation, AveragePooling with SAME padding,
 * Flatten of a 2x2 map, GlobalAveragePooling2D), plus caching and error messages.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertBackbone, readOnnxMetadata } from './convert';

let tmp: string;
let model: tf.LayersModel;
let sourceDir: string;

/** Write a tfjs model the way nsfwjs ships its models: CommonJS modules holding the JSON and base64 weights. */
async function writeNsfwjsStyle(m: tf.LayersModel, dir: string): Promise<void> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const weights = Buffer.from(saved!.weightData as ArrayBuffer);
  const json = { modelTopology: saved!.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1'], weights: saved!.weightSpecs }] };
  await writeFile(path.join(dir, 'model.min.js'), `module.exports = ${JSON.stringify(json)};\n`);
  await writeFile(path.join(dir, 'group1-shard1of1.min.js'), `module.exports = ${JSON.stringify(weights.toString('base64'))};\n`);
}

function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [15, 13, 3], name: 'input_1' });
  let x = tf.layers.zeroPadding2d({ padding: [[1, 0], [0, 2]], name: 'pad' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv_a' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn_a' }).apply(x) as tf.SymbolicTensor; // after a ReLU: not foldable
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: false, name: 'dw' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn_dw' }).apply(x) as tf.SymbolicTensor; // folded into dw
  const y = tf.layers.reLU({ maxValue: 6, name: 'relu6' }).apply(x) as tf.SymbolicTensor;
  const z = tf.layers.conv2d({ filters: 16, kernelSize: 1, name: 'proj' }).apply(y) as tf.SymbolicTensor;
  x = tf.layers.add({ name: 'add' }).apply([y, z]) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu6', name: 'act' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'avg' }).apply(x) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(x) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: [flat, gap] });
  // Non-trivial weights everywhere, positive where BatchNormalization needs it.
  m.weights.forEach((w, seed) => {
    const positive = /gamma|moving_variance/.test(w.originalName);
    const shape = w.shape as number[]; // weight shapes are fully known
    w.write(positive ? tf.randomUniform(shape, 0.5, 1.5, 'float32', seed) : tf.randomNormal(shape, 0, 0.5, 'float32', seed));
  });
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'qc-convert-'));
  sourceDir = path.join(tmp, 'src');
  await mkdir(sourceDir);
  model = buildModel();
  await writeNsfwjsStyle(model, sourceDir);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function onnxRun(file: string, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'] });
  try {
    return (await session.run({ input: new ort.Tensor('float32', x, dims) }))['embedding']!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('convert-backbone', () => {
  it.each([
    ['flat', 0],
    ['gap', 1],
  ] as const)('converts a model with every supported layer variant, output %s', async (outputLayer, index) => {
    const outFile = path.join(tmp, `${outputLayer}.onnx`);
    const r = await convertBackbone({ sourceDir, outFile, outputLayer });
    expect(r.cached).toBe(false);
    const x = tf.randomUniform([3, 15, 13, 3], 0, 1, 'float32', 42);
    const want = (model.predict(x) as tf.Tensor[])[index]!.dataSync() as Float32Array;
    const got = await onnxRun(outFile, x.dataSync() as Float32Array, [3, 15, 13, 3]);
    expect(got).toHaveLength(want.length);
    expect(r.dim).toBe(want.length / 3);
    let max = 0;
    for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(want[i]! - got[i]!));
    expect(max).toBeLessThan(1e-4);
  });

  it('is cached: same hashes skip the work, a changed file is rewritten', async () => {
    const outFile = path.join(tmp, 'cached.onnx');
    const first = await convertBackbone({ sourceDir, outFile, outputLayer: 'gap' });
    const bytes = await readFile(outFile);
    const again = await convertBackbone({ sourceDir, outFile, outputLayer: 'gap' });
    expect(again).toMatchObject({ cached: true, converterSha256: first.converterSha256, sourceSha256: first.sourceSha256 });
    expect((await readFile(outFile)).equals(bytes)).toBe(true);
    expect(await readOnnxMetadata(outFile)).toMatchObject({ 'qc.source_sha256': first.sourceSha256, 'qc.output_layer': 'gap', 'qc.input_layout': 'NHWC' });

    expect((await convertBackbone({ sourceDir, outFile, outputLayer: 'flat' })).cached).toBe(false); // other output layer
    await writeFile(outFile, 'stale');
    expect((await convertBackbone({ sourceDir, outFile, outputLayer: 'flat' })).cached).toBe(false);
    expect((await readFile(outFile)).length).toBeGreaterThan(1000);
    expect((await convertBackbone({ sourceDir, outFile, outputLayer: 'flat', force: true })).cached).toBe(false);
  });

  it('names what it cannot convert', async () => {
    await expect(convertBackbone({ sourceDir, outFile: path.join(tmp, 'x.onnx'), outputLayer: 'nope' })).rejects.toThrow(/no layer named nope/);
    await expect(convertBackbone({ sourceDir: path.join(tmp, 'missing'), outFile: path.join(tmp, 'y.onnx') })).rejects.toThrow(/missing source file .*model\.min\.js/);
    const odd = path.join(tmp, 'odd');
    await mkdir(odd);
    const layers = [
      { name: 'in', class_name: 'InputLayer', config: { batch_input_shape: [null, 4, 4, 3] }, inbound_nodes: [] },
      { name: 'lstm', class_name: 'LSTM', config: {}, inbound_nodes: [[['in', 0, 0, {}]]] },
    ];
    await writeFile(path.join(odd, 'model.min.js'), `module.exports = ${JSON.stringify({ modelTopology: { class_name: 'Model', config: { layers } }, weightsManifest: [] })};`);
    await expect(convertBackbone({ sourceDir: odd, outFile: path.join(tmp, 'z.onnx'), outputLayer: 'lstm' })).rejects.toThrow(/layer lstm has unsupported type LSTM/);
  });
});
