/**
 * Convert the MobileNetV2 that ships inside the `nsfwjs` package (a tfjs *layers* model: Keras JSON
 * wrapped in a CommonJS module, plus uint8-quantised weight shards stored as base64 strings) into
 * an ONNX model (opset 13, float32) whose output is the 1280-d average-pooled embedding, i.e. the
 * layer just before nsfwjs's dense classifier.
 *
 * Graph: input `input` float32 [N,224,224,3] NHWC, RGB in 0..1 (exactly what nsfwjs feeds its
 * model) -> Transpose to NCHW -> converted layers -> output `embedding` float32 [N,1280].
 * BatchNormalization is folded into the preceding convolution.
 *
 * Cached and idempotent: the sha256 of this converter and of the source files are stored in the
 * ONNX file's metadata_props; when they match, nothing is rewritten.
 *
 * The command line (`npx tsx scripts/convert-backbone.ts [--out FILE] [--force]`, run at postinstall)
 * is a thin wrapper in scripts/; runtime.ts calls convertBackbone() when the model file is missing.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphBuilder, ModelProto, valueInfo, type Attrs } from './onnx';

/** Part of the cache key with this file's sha256 (the only part left when the file cannot be read, e.g. bundled). */
const CONVERTER_VERSION = 1;
const OPSET = 13;
const IR_VERSION = 7; // the IR version that goes with opset 13
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'embedding';
export const DEFAULT_OUTPUT_LAYER = 'flatten_1';

const thisFile = fileURLToPath(import.meta.url);
const repoRoot = path.resolve(path.dirname(thisFile), '../../../..');
export const DEFAULT_OUT_FILE = path.join(repoRoot, 'resources', 'models', 'mobilenet_v2_nsfwjs.onnx');

// ---------------------------------------------------------------------------------------------
// The tfjs layers-model JSON (only the parts used here)

type InboundRef = [layer: string, nodeIndex: number, tensorIndex: number, kwargs?: unknown];

interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: InboundRef[][];
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min?: number; scale?: number; dtype: string };
}

interface KerasModelConfig {
  class_name: string;
  config: { layers: KerasLayer[] };
}

interface LayersModelJson {
  /** Keras-converted models wrap the config in model_config; models saved by tfjs do not. */
  modelTopology: KerasModelConfig & { model_config?: KerasModelConfig };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

interface SourceModel {
  dir: string;
  version: string;
  layers: KerasLayer[];
  weights: Map<string, Weight>;
  files: string[];
}

interface Weight {
  shape: number[];
  data: Float32Array;
}

/** The directory of the `nsfwjs` package (its `exports` map hides package.json from resolve). */
function findNsfwjsDir(): string {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('nsfwjs'));
  while (dir !== path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'nsfwjs') return dir;
    dir = path.dirname(dir);
  }
  throw new Error('convert-backbone: cannot find the nsfwjs package; run `npm install` first.');
}

export function defaultSourceDir(): string {
  return path.join(findNsfwjsDir(), 'dist', 'models', 'mobilenet_v2');
}

/** The model files are CommonJS modules (dist/models/package.json says so): `module.exports = {...}` or a base64 string. */
function requireModule(file: string): unknown {
  if (!existsSync(file)) throw new Error(`convert-backbone: missing source file ${file}`);
  return createRequire(import.meta.url)(file) as unknown;
}

function loadSourceModel(dir: string): SourceModel {
  const modelFile = path.join(dir, 'model.min.js');
  const json = requireModule(modelFile) as LayersModelJson;
  const topology = json.modelTopology?.model_config ?? json.modelTopology;
  const layers = topology?.config?.layers;
  if (!Array.isArray(layers) || !Array.isArray(json.weightsManifest)) {
    throw new Error(`convert-backbone: ${modelFile} is not a tfjs layers model (no modelTopology/weightsManifest)`);
  }
  if (topology.class_name === 'Sequential') throw new Error(`convert-backbone: ${modelFile} is a Sequential model; only functional models (with inbound_nodes) are supported`);
  const files = [modelFile];
  const weights = new Map<string, Weight>();
  for (const group of json.weightsManifest) {
    const shards = group.paths.map((p) => {
      const file = path.join(dir, `${p}.min.js`);
      files.push(file);
      const base64 = requireModule(file);
      if (typeof base64 !== 'string') throw new Error(`convert-backbone: ${file} does not export a base64 string`);
      return Buffer.from(base64, 'base64');
    });
    readWeightGroup(group.weights, Buffer.concat(shards), weights);
  }
  return { dir, version: readPackageVersion(dir), layers, weights, files };
}

function readPackageVersion(dir: string): string {
  let d = dir;
  while (d !== path.dirname(d)) {
    const pkg = path.join(d, 'package.json');
    if (existsSync(pkg)) {
      const meta = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
      if (meta.name && meta.version) return `${meta.name}@${meta.version}`;
    }
    d = path.dirname(d);
  }
  return 'unknown';
}

const BYTES_PER = { uint8: 1, uint16: 2, float16: 2, float32: 4 } as const;

/** Slice the concatenated shard bytes by the weight specs, in order, and dequantise each. */
function readWeightGroup(specs: WeightSpec[], bytes: Buffer, out: Map<string, Weight>): void {
  let offset = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32') throw new Error(`convert-backbone: weight ${spec.name} has dtype ${spec.dtype}; only float32 is supported`);
    const stored = (spec.quantization?.dtype ?? 'float32') as keyof typeof BYTES_PER;
    const width = BYTES_PER[stored];
    if (width === undefined) throw new Error(`convert-backbone: weight ${spec.name} uses unsupported quantization ${stored}`);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const end = offset + count * width;
    if (end > bytes.length) throw new Error(`convert-backbone: weight data ends before ${spec.name} (need ${end} bytes, have ${bytes.length})`);
    out.set(spec.name, { shape: spec.shape, data: dequantize(spec, bytes.subarray(offset, end), count) });
    offset = end;
  }
  if (offset !== bytes.length) throw new Error(`convert-backbone: ${bytes.length - offset} unused bytes after the last weight`);
}

/** Same arithmetic as tfjs's io.decodeWeights: value = q * scale + min. */
function dequantize(spec: WeightSpec, bytes: Buffer, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const q = spec.quantization;
  if (!q) {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  if (q.dtype === 'float16') throw new Error(`convert-backbone: weight ${spec.name}: float16 quantization is not supported`);
  const scale = q.scale ?? 1;
  const min = q.min ?? 0;
  for (let i = 0; i < count; i++) {
    const v = q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true);
    out[i] = v * scale + min;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layer conversion. Tensors are NCHW inside the graph; shapes are tracked without the batch dim.

interface Value {
  name: string;
  /** [C, H, W] for feature maps, [F] after flattening. */
  shape: number[];
}

interface Context {
  g: GraphBuilder;
  src: SourceModel;
  values: Map<string, Value>;
  /** Conv layer name -> the BatchNormalization folded into it. */
  foldInto: Map<string, string>;
}

function cfg<T>(layer: KerasLayer, key: string): T {
  return layer.config[key] as T;
}

function pair(v: unknown, what: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  throw new Error(`convert-backbone: expected a number or a pair for ${what}, got ${JSON.stringify(v)}`);
}

function inputsOf(layer: KerasLayer): string[] {
  if (layer.inbound_nodes.length > 1) throw new Error(`convert-backbone: layer ${layer.name} is shared (called ${layer.inbound_nodes.length} times); not supported`);
  const refs = layer.inbound_nodes[0] ?? [];
  return refs.map(([name, nodeIndex, tensorIndex]) => {
    if (nodeIndex !== 0 || tensorIndex !== 0) throw new Error(`convert-backbone: layer ${layer.name} uses output ${nodeIndex}/${tensorIndex} of ${name}; not supported`);
    return name;
  });
}

function valueOf(ctx: Context, layerName: string): Value {
  const v = ctx.values.get(layerName);
  if (!v) throw new Error(`convert-backbone: layer ${layerName} is used before it is defined`);
  return v;
}

function singleInput(ctx: Context, layer: KerasLayer): Value {
  const ins = inputsOf(layer);
  if (ins.length !== 1) throw new Error(`convert-backbone: layer ${layer.name} (${layer.class_name}) expects 1 input, has ${ins.length}`);
  return valueOf(ctx, ins[0]!);
}

function weight(ctx: Context, layer: string, key: string): Weight {
  const w = ctx.src.weights.get(`${layer}/${key}`);
  if (!w) throw new Error(`convert-backbone: weight ${layer}/${key} not found in the weights manifest`);
  return w;
}

function requireChannelsLast(layer: KerasLayer): void {
  const format = layer.config['data_format'];
  if (format !== undefined && format !== 'channels_last') throw new Error(`convert-backbone: layer ${layer.name} uses data_format ${String(format)}; only channels_last is supported`);
}

function featureMap(v: Value, layer: KerasLayer): [number, number, number] {
  if (v.shape.length !== 3) throw new Error(`convert-backbone: layer ${layer.name} needs a feature map input, got shape [${v.shape.join(',')}]`);
  return v.shape as [number, number, number];
}

/** Keras 'valid' / 'same' (TF SAME: the odd pixel goes at the end) as ONNX pads [top, left, bottom, right]. */
function windowPads(padding: string, inHW: [number, number], kernel: [number, number], strides: [number, number], dilation: [number, number]): { pads: number[]; outHW: [number, number] } {
  if (padding === 'valid') {
    const out = (i: 0 | 1) => Math.floor((inHW[i] - ((kernel[i] - 1) * dilation[i] + 1)) / strides[i]) + 1;
    return { pads: [0, 0, 0, 0], outHW: [out(0), out(1)] };
  }
  if (padding !== 'same') throw new Error(`convert-backbone: unsupported padding ${padding}`);
  const out = (i: 0 | 1) => Math.ceil(inHW[i] / strides[i]);
  const total = (i: 0 | 1) => Math.max((out(i) - 1) * strides[i] + (kernel[i] - 1) * dilation[i] + 1 - inHW[i], 0);
  const begin = (i: 0 | 1) => Math.floor(total(i) / 2);
  return { pads: [begin(0), begin(1), total(0) - begin(0), total(1) - begin(1)], outHW: [out(0), out(1)] };
}

/** Activation (a Keras activation name) applied to `input`; returns the output tensor name. */
function activation(ctx: Context, kind: string, input: string, name: string): string {
  switch (kind) {
    case 'linear':
      return input;
    case 'relu':
      return ctx.g.node('Relu', name, [input]);
    case 'relu6':
      return clip(ctx, input, name, 6);
    case 'sigmoid':
      return ctx.g.node('Sigmoid', name, [input]);
    case 'tanh':
      return ctx.g.node('Tanh', name, [input]);
    default:
      throw new Error(`convert-backbone: activation '${kind}' (layer ${name}) is not supported`);
  }
}

function clip(ctx: Context, input: string, name: string, max: number): string {
  const lo = ctx.g.floatConst(`${name}/min`, [], new Float32Array([0]));
  const hi = ctx.g.floatConst(`${name}/max`, [], new Float32Array([max]));
  return ctx.g.node('Clip', name, [input, lo, hi]);
}

/** Keras kernel [kh, kw, in, out] -> ONNX [out, in, kh, kw]. */
function convKernel(w: Weight): Float32Array {
  const [kh, kw, cin, cout] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = w.data[((y * kw + x) * cin + i) * cout + o]!;
  return out;
}

/** Keras depthwise kernel [kh, kw, in, mult] -> ONNX [in * mult, 1, kh, kw] (group = in); output channel = i * mult + m as in TF. */
function depthwiseKernel(w: Weight): Float32Array {
  const [kh, kw, cin, mult] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let m = 0; m < mult; m++) out[((i * mult + m) * kh + y) * kw + x] = w.data[((y * kw + x) * cin + i) * mult + m]!;
  return out;
}

interface BnParams {
  scale: Float32Array; // gamma / sqrt(var + eps)
  shift: Float32Array; // beta - mean * scale
}

function bnParams(ctx: Context, bn: KerasLayer, channels: number): BnParams {
  const axis = cfg<number | number[]>(bn, 'axis');
  const a = Array.isArray(axis) ? axis[0] : axis;
  if (a !== -1 && a !== 3) throw new Error(`convert-backbone: BatchNormalization ${bn.name} normalises axis ${String(axis)}; only the channel axis is supported`);
  const eps = cfg<number>(bn, 'epsilon');
  const gamma = cfg<boolean>(bn, 'scale') ? weight(ctx, bn.name, 'gamma').data : new Float32Array(channels).fill(1);
  const beta = cfg<boolean>(bn, 'center') ? weight(ctx, bn.name, 'beta').data : new Float32Array(channels);
  const mean = weight(ctx, bn.name, 'moving_mean').data;
  const variance = weight(ctx, bn.name, 'moving_variance').data;
  if (gamma.length !== channels || mean.length !== channels) throw new Error(`convert-backbone: BatchNormalization ${bn.name} has ${mean.length} channels, its input has ${channels}`);
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = gamma[c]! / Math.sqrt(variance[c]! + eps);
    scale[c] = s;
    shift[c] = beta[c]! - mean[c]! * s;
  }
  return { scale, shift };
}

function convertConv(ctx: Context, layer: KerasLayer): void {
  requireChannelsLast(layer);
  const depthwise = layer.class_name === 'DepthwiseConv2D';
  const x = singleInput(ctx, layer);
  const [cin, h, w] = featureMap(x, layer);
  const kw = weight(ctx, layer.name, depthwise ? 'depthwise_kernel' : 'kernel');
  const [kh, kwid, kin, kout] = kw.shape as [number, number, number, number];
  if (kin !== cin) throw new Error(`convert-backbone: ${layer.name} kernel expects ${kin} input channels, got ${cin}`);
  const cout = depthwise ? cin * kout : kout;
  const kernel = depthwise ? depthwiseKernel(kw) : convKernel(kw);
  const bias = cfg<boolean>(layer, 'use_bias') ? Float32Array.from(weight(ctx, layer.name, 'bias').data) : new Float32Array(cout);

  const strides = pair(cfg(layer, 'strides'), `${layer.name}.strides`);
  const dilations = pair(cfg(layer, 'dilation_rate') ?? 1, `${layer.name}.dilation_rate`);
  const { pads, outHW } = windowPads(cfg<string>(layer, 'padding'), [h, w], [kh, kwid], strides, dilations);

  const bnName = ctx.foldInto.get(layer.name);
  let outName = layer.name;
  if (bnName) {
    const bn = ctx.src.layers.find((l) => l.name === bnName)!;
    const { scale, shift } = bnParams(ctx, bn, cout);
    const perOut = kernel.length / cout;
    for (let o = 0; o < cout; o++) {
      for (let k = 0; k < perOut; k++) kernel[o * perOut + k]! *= scale[o]!;
      bias[o] = bias[o]! * scale[o]! + shift[o]!;
    }
    outName = bn.name;
  }
  const W = ctx.g.floatConst(`${layer.name}/W`, [cout, depthwise ? 1 : cin, kh, kwid], kernel);
  const B = ctx.g.floatConst(`${layer.name}/B`, [cout], bias);
  const attrs: Attrs = { kernel_shape: [kh, kwid], strides, dilations, pads, group: depthwise ? cin : 1 };
  const y = ctx.g.node('Conv', outName, [x.name, W, B], attrs);
  const act = cfg<string>(layer, 'activation') ?? 'linear';
  const out = { name: activation(ctx, act, y, `${outName}/${act}`), shape: [cout, ...outHW] };
  ctx.values.set(layer.name, out);
  if (bnName) ctx.values.set(bnName, out);
}

function convertBatchNorm(ctx: Context, layer: KerasLayer): void {
  if (ctx.values.has(layer.name)) return; // folded: already emitted by its convolution
  const x = singleInput(ctx, layer);
  const channels = x.shape[0]!;
  if (x.shape.length !== 3) throw new Error(`convert-backbone: BatchNormalization ${layer.name} on a non-feature-map input is not supported`);
  const { scale, shift } = bnParams(ctx, layer, channels);
  // Not after a foldable conv: y = x * scale + shift with per-channel constants.
  const s = ctx.g.floatConst(`${layer.name}/scale`, [channels, 1, 1], scale);
  const b = ctx.g.floatConst(`${layer.name}/shift`, [channels, 1, 1], shift);
  const mul = ctx.g.node('Mul', `${layer.name}/mul`, [x.name, s]);
  ctx.values.set(layer.name, { name: ctx.g.node('Add', layer.name, [mul, b]), shape: x.shape });
}

function convertZeroPadding(ctx: Context, layer: KerasLayer): void {
  requireChannelsLast(layer);
  const x = singleInput(ctx, layer);
  const [c, h, w] = featureMap(x, layer);
  const p = cfg<unknown>(layer, 'padding');
  const [[top, bottom], [left, right]] = (Array.isArray(p) && Array.isArray(p[0]) ? [pair(p[0], layer.name), pair(p[1], layer.name)] : pair(p, layer.name).map((v) => [v, v])) as [
    [number, number],
    [number, number],
  ];
  const pads = ctx.g.int64Const(`${layer.name}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
  ctx.values.set(layer.name, { name: ctx.g.node('Pad', layer.name, [x.name, pads]), shape: [c, h + top + bottom, w + left + right] });
}

function convertReLU(ctx: Context, layer: KerasLayer): void {
  const x = singleInput(ctx, layer);
  const maxValue = cfg<number | null | undefined>(layer, 'max_value');
  const slope = cfg<number | undefined>(layer, 'negative_slope') ?? 0;
  const threshold = cfg<number | undefined>(layer, 'threshold') ?? 0;
  if (threshold !== 0) throw new Error(`convert-backbone: ReLU ${layer.name} with threshold ${threshold} is not supported`);
  let name: string;
  if (slope !== 0) {
    if (maxValue != null) throw new Error(`convert-backbone: ReLU ${layer.name} with both negative_slope and max_value is not supported`);
    name = ctx.g.node('LeakyRelu', layer.name, [x.name], { alpha: slope });
  } else {
    name = maxValue != null ? clip(ctx, x.name, layer.name, maxValue) : ctx.g.node('Relu', layer.name, [x.name]);
  }
  ctx.values.set(layer.name, { name, shape: x.shape });
}

function convertActivation(ctx: Context, layer: KerasLayer): void {
  const x = singleInput(ctx, layer);
  const kind = cfg<string>(layer, 'activation');
  ctx.values.set(layer.name, { name: activation(ctx, kind, x.name, layer.name), shape: x.shape });
}

function convertAdd(ctx: Context, layer: KerasLayer): void {
  const xs = inputsOf(layer).map((n) => valueOf(ctx, n));
  if (xs.length < 2) throw new Error(`convert-backbone: Add ${layer.name} needs at least 2 inputs`);
  const shape = xs[0]!.shape;
  if (xs.some((v) => v.shape.join() !== shape.join())) throw new Error(`convert-backbone: Add ${layer.name} inputs have different shapes`);
  const name = ctx.g.node(xs.length === 2 ? 'Add' : 'Sum', layer.name, xs.map((v) => v.name));
  ctx.values.set(layer.name, { name, shape });
}

function convertAveragePooling(ctx: Context, layer: KerasLayer): void {
  requireChannelsLast(layer);
  const x = singleInput(ctx, layer);
  const [c, h, w] = featureMap(x, layer);
  const kernel = pair(cfg(layer, 'pool_size'), `${layer.name}.pool_size`);
  const strides = pair(cfg(layer, 'strides') ?? kernel, `${layer.name}.strides`);
  const { pads, outHW } = windowPads(cfg<string>(layer, 'padding'), [h, w], kernel, strides, [1, 1]);
  // Keras averages over the real pixels only: count_include_pad = 0.
  const name = ctx.g.node('AveragePool', layer.name, [x.name], { kernel_shape: kernel, strides, pads, count_include_pad: 0 });
  ctx.values.set(layer.name, { name, shape: [c, ...outHW] });
}

function convertGlobalAveragePooling(ctx: Context, layer: KerasLayer): void {
  requireChannelsLast(layer);
  const x = singleInput(ctx, layer);
  const [c] = featureMap(x, layer);
  const pooled = ctx.g.node('GlobalAveragePool', `${layer.name}/pool`, [x.name]);
  const keep = cfg<boolean | undefined>(layer, 'keepdims') === true;
  const name = keep ? ctx.g.node('Identity', layer.name, [pooled]) : ctx.g.node('Flatten', layer.name, [pooled], { axis: 1 });
  ctx.values.set(layer.name, { name, shape: keep ? [c, 1, 1] : [c] });
}

function convertFlatten(ctx: Context, layer: KerasLayer): void {
  requireChannelsLast(layer);
  const x = singleInput(ctx, layer);
  const size = x.shape.reduce((a, b) => a * b, 1);
  let input = x.name;
  // Keras flattens H, W, C in channels-last order; go back to NHWC first unless the map is 1x1.
  if (x.shape.length === 3 && (x.shape[1] !== 1 || x.shape[2] !== 1)) input = ctx.g.node('Transpose', `${layer.name}/nhwc`, [input], { perm: [0, 2, 3, 1] });
  ctx.values.set(layer.name, { name: ctx.g.node('Flatten', layer.name, [input], { axis: 1 }), shape: [size] });
}

function convertPassThrough(ctx: Context, layer: KerasLayer): void {
  ctx.values.set(layer.name, singleInput(ctx, layer)); // Dropout is the identity at inference
}

function convertInput(ctx: Context, layer: KerasLayer): void {
  const shape = cfg<(number | null)[]>(layer, 'batch_input_shape');
  if (shape.length !== 4 || shape.slice(1).some((d) => typeof d !== 'number')) throw new Error(`convert-backbone: input ${layer.name} must be [N,H,W,C] with fixed H, W, C`);
  const [, h, w, c] = shape as [null, number, number, number];
  ctx.values.set(layer.name, { name: ctx.g.node('Transpose', `${layer.name}/nchw`, [INPUT_NAME], { perm: [0, 3, 1, 2] }), shape: [c, h, w] });
}

const CONVERTERS: Record<string, (ctx: Context, layer: KerasLayer) => void> = {
  InputLayer: convertInput,
  ZeroPadding2D: convertZeroPadding,
  Conv2D: convertConv,
  DepthwiseConv2D: convertConv,
  BatchNormalization: convertBatchNorm,
  ReLU: convertReLU,
  Activation: convertActivation,
  Add: convertAdd,
  AveragePooling2D: convertAveragePooling,
  GlobalAveragePooling2D: convertGlobalAveragePooling,
  Flatten: convertFlatten,
  Dropout: convertPassThrough,
};

/** The layers `output` depends on, in the model's (topological) order. */
function layersNeeded(layers: KerasLayer[], output: string): KerasLayer[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  if (!byName.has(output)) throw new Error(`convert-backbone: no layer named ${output}; layers end with ${layers.slice(-5).map((l) => l.name).join(', ')}`);
  const needed = new Set<string>();
  const stack = [output];
  while (stack.length) {
    const name = stack.pop()!;
    if (needed.has(name)) continue;
    needed.add(name);
    stack.push(...inputsOf(byName.get(name)!));
  }
  return layers.filter((l) => needed.has(l.name));
}

/** Conv -> BatchNormalization pairs to fold: a linear conv whose only consumer is the BN. */
function findFoldableBatchNorms(layers: KerasLayer[]): Map<string, string> {
  const consumers = new Map<string, number>();
  for (const l of layers) for (const i of inputsOf(l)) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const folded = new Map<string, string>();
  for (const l of layers) {
    if (l.class_name !== 'BatchNormalization') continue;
    const [src] = inputsOf(l);
    const conv = src === undefined ? undefined : byName.get(src);
    const isConv = conv?.class_name === 'Conv2D' || conv?.class_name === 'DepthwiseConv2D';
    if (conv && isConv && (conv.config['activation'] ?? 'linear') === 'linear' && consumers.get(conv.name) === 1) folded.set(conv.name, l.name);
  }
  return folded;
}

export interface ConvertedGraph {
  bytes: Uint8Array;
  inputShape: [number, number, number]; // H, W, C
  dim: number;
  nodeCount: number;
}

function buildModel(src: SourceModel, outputLayer: string, metadata: Record<string, string>): ConvertedGraph {
  const layers = layersNeeded(src.layers, outputLayer);
  const ctx: Context = { g: new GraphBuilder(), src, values: new Map(), foldInto: findFoldableBatchNorms(layers) };
  for (const layer of layers) {
    const convert = CONVERTERS[layer.class_name];
    if (!convert) throw new Error(`convert-backbone: layer ${layer.name} has unsupported type ${layer.class_name}`);
    convert(ctx, layer);
  }
  const out = valueOf(ctx, outputLayer);
  if (out.shape.length !== 1) throw new Error(`convert-backbone: output layer ${outputLayer} has shape [${out.shape.join(',')}], expected a vector`);
  ctx.g.node('Identity', OUTPUT_NAME, [out.name]);
  const inputLayer = layers.find((l) => l.class_name === 'InputLayer')!;
  const [, h, w, c] = cfg<[null, number, number, number]>(inputLayer, 'batch_input_shape');
  const model = {
    ir_version: IR_VERSION,
    producer_name: 'quality-curator/convert-backbone',
    producer_version: String(CONVERTER_VERSION),
    doc_string: `MobileNetV2 from ${src.version} (MIT), truncated at ${outputLayer}. Input NHWC RGB 0..1.`,
    model_version: 1,
    opset_import: [{ domain: '', version: OPSET }],
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'mobilenet_v2_nsfwjs',
      node: ctx.g.nodes,
      initializer: ctx.g.initializers,
      input: [valueInfo(INPUT_NAME, ['N', h, w, c])],
      output: [valueInfo(OUTPUT_NAME, ['N', out.shape[0]!])],
    },
  };
  const err = ModelProto.verify(model);
  if (err) throw new Error(`convert-backbone: internal error, bad ONNX message: ${err}`);
  return { bytes: ModelProto.encode(ModelProto.fromObject(model)).finish(), inputShape: [h, w, c], dim: out.shape[0]!, nodeCount: ctx.g.nodes.length };
}

// ---------------------------------------------------------------------------------------------
// Caching

interface Stamp {
  converterSha256: string;
  sourceSha256: string;
  source: string;
  outputLayer: string;
}

function sha256(parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function converterHash(): string {
  let text: string;
  try {
    text = readFileSync(thisFile, 'utf8');
  } catch {
    text = ''; // bundled: fall back to the version constant alone
  }
  return sha256([`v${CONVERTER_VERSION}\n`, text]);
}

function makeStamp(sourceDir: string, sourceFiles: string[], version: string, outputLayer: string): Stamp {
  return {
    converterSha256: converterHash(),
    sourceSha256: sha256(sourceFiles.map((f) => readFileSync(f))),
    source: `${version} ${path.basename(sourceDir)}`,
    outputLayer,
  };
}

function stampToMetadata(stamp: Stamp): Record<string, string> {
  return {
    'qc.converter_sha256': stamp.converterSha256,
    'qc.source_sha256': stamp.sourceSha256,
    'qc.source': stamp.source,
    'qc.output_layer': stamp.outputLayer,
    'qc.input_layout': 'NHWC',
    'qc.input_scale': '0..1',
  };
}

/** The metadata_props of an existing ONNX file, or null if it cannot be read. */
export async function readOnnxMetadata(file: string): Promise<Record<string, string> | null> {
  try {
    const decoded = ModelProto.toObject(ModelProto.decode(await readFile(file)), { defaults: false }) as { metadata_props?: { key: string; value: string }[] };
    return Object.fromEntries((decoded.metadata_props ?? []).map((p) => [p.key, p.value]));
  } catch {
    return null;
  }
}

function sameStamp(meta: Record<string, string> | null, stamp: Stamp): boolean {
  if (!meta) return false;
  return Object.entries(stampToMetadata(stamp)).every(([k, v]) => meta[k] === v);
}

// ---------------------------------------------------------------------------------------------
// Entry points

export interface ConvertOptions {
  /** Where to write the .onnx (default resources/models/mobilenet_v2_nsfwjs.onnx). */
  outFile?: string;
  /** The tfjs layers model directory (default: nsfwjs's dist/models/mobilenet_v2). */
  sourceDir?: string;
  /** Last layer to keep (default flatten_1, the 1280-d pooled embedding). */
  outputLayer?: string;
  /** Rewrite even when the recorded hashes match. */
  force?: boolean;
}

export interface ConvertResult {
  outFile: string;
  /** true when an up-to-date file was already there. */
  cached: boolean;
  converterSha256: string;
  sourceSha256: string;
  nodeCount?: number;
  dim?: number;
  bytes?: number;
}

/** Convert (or reuse the cached) backbone. Safe to call on every start: a cache hit reads only hashes. */
export async function convertBackbone(opts: ConvertOptions = {}): Promise<ConvertResult> {
  const outFile = path.resolve(opts.outFile ?? DEFAULT_OUT_FILE);
  const sourceDir = opts.sourceDir ?? defaultSourceDir();
  const outputLayer = opts.outputLayer ?? DEFAULT_OUTPUT_LAYER;
  if (!opts.force && existsSync(outFile)) {
    const quick = makeStamp(sourceDir, allSourceFiles(sourceDir), readPackageVersion(sourceDir), outputLayer);
    if (sameStamp(await readOnnxMetadata(outFile), quick)) return { outFile, cached: true, converterSha256: quick.converterSha256, sourceSha256: quick.sourceSha256 };
  }
  const src = loadSourceModel(sourceDir);
  const stamp = makeStamp(sourceDir, src.files, src.version, outputLayer);
  const graph = buildModel(src, outputLayer, stampToMetadata(stamp));
  await mkdir(path.dirname(outFile), { recursive: true });
  const tmp = `${outFile}.${process.pid}.tmp`;
  await writeFile(tmp, graph.bytes);
  await rename(tmp, outFile); // atomic: a reader never sees a half-written model
  return { outFile, cached: false, converterSha256: stamp.converterSha256, sourceSha256: stamp.sourceSha256, nodeCount: graph.nodeCount, dim: graph.dim, bytes: graph.bytes.length };
}

/** model.min.js plus every shard its weightsManifest names, without evaluating the shards. */
function allSourceFiles(dir: string): string[] {
  const modelFile = path.join(dir, 'model.min.js');
  const json = requireModule(modelFile) as LayersModelJson;
  return [modelFile, ...(json.weightsManifest ?? []).flatMap((g) => g.paths.map((p) => path.join(dir, `${p}.min.js`)))];
}
