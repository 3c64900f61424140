/**
 * An int8 copy of the converted backbone (static quantisation, ONNX "QDQ" format), which
 * onnxruntime's CPU provider fuses into QLinearConv / QLinearAdd kernels (VNNI / AVX2 integer dot
 * products). On this project's machine (2 cores, AVX-512 VNNI), one thread, calls of 4 (bench:embed):
 * 4.8 CPU-ms per image against 7.5 for the float32 model, and 17.8 against 37.0 for five crops.
 * Embeddings stay close, not equal: median cosine to float32 0.967 over 142 dev photos (0.99 with
 * 8-bit weights, which are not portable: WEIGHT_MAX).
 *
 * What is written (the layout onnxruntime's QDQ transformers look for):
 * - every convolution's weights as int8 (7 bits used: WEIGHT_MAX), symmetric, one scale per output
 *   channel, behind a DequantizeLinear (axis 0); biases stay float (onnxruntime folds them into the fused kernel);
 * - a QuantizeLinear → DequantizeLinear pair (uint8, asymmetric) after every activation the next
 *   layer reads: the input after its transpose, each ReLU6 (Clip), each residual Add, and each
 *   convolution whose output is not clipped (MobileNetV2's linear bottlenecks).
 *
 * Activation ranges come from calibration: the float32 model runs on calibration inputs with every
 * quantised tensor's min and max as extra outputs, and each tensor's observed range (widened to
 * include 0, so that zero is exact) sets its scale and zero point. The inputs are the demo photos
 * that ship with the app, fed exactly as embedding feeds them (whole image and native-resolution
 * crops). The ranges are measured once and committed (`*.ranges.json` beside the model), and every
 * machine builds its int8 model from them by plain arithmetic on the float32 weights: the same bytes
 * everywhere, in under a second.
 *
 * Written by hand, like convert.ts: onnxruntime's quantiser is a Python tool, and this graph is ours
 * (conv, clip, add, pad, pool), so the rewrite is one pass over it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ort } from '../../deferred';
import { nativeCrops, CROP_COUNT } from '../features/crops';
import { readOnnxMetadata } from './convert';
import { DataType, ModelProto, floatBytes, type OnnxNode, type OnnxTensor } from './onnx';
import { DEFAULT_INPUT_SIZE, decodeRgb, resizeToInput } from './preprocess';

/**
 * Bump when the rewrite or the calibration rule changes (part of the cache stamp). Features are cached
 * under the backbone id, so a change that alters the embedding wants a new manifest id as well.
 */
export const QUANTIZER_VERSION = 2;

interface ValueInfo {
  name: string;
  type?: unknown;
}
interface ModelObject {
  graph: { node: OnnxNode[]; initializer: OnnxTensor[]; input: ValueInfo[]; output: ValueInfo[]; name?: string };
  metadata_props?: { key: string; value: string }[];
  doc_string?: string;
  [k: string]: unknown;
}

function decode(bytes: Uint8Array): ModelObject {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Uint8Array, defaults: false }) as ModelObject;
}

function encode(m: ModelObject): Uint8Array {
  const err = ModelProto.verify(m);
  if (err) throw new Error(`quantize: internal error, bad ONNX message: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(m)).finish();
}

/** The tensors that get a QuantizeLinear → DequantizeLinear pair, in graph order. */
export function quantisedTensors(nodes: readonly OnnxNode[]): string[] {
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of nodes) for (const i of n.input) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const out: string[] = [];
  for (const n of nodes) {
    const t = n.output[0]!;
    const readers = consumers.get(t) ?? [];
    if (n.op_type === 'Clip' || n.op_type === 'Add' || n.op_type === 'Transpose') out.push(t);
    else if (n.op_type === 'Conv' && !(readers.length === 1 && readers[0]!.op_type === 'Clip')) out.push(t);
  }
  return out;
}

export interface Range {
  min: number;
  max: number;
}

/** uint8 scale and zero point for a range (widened to include 0, as ONNX requires 0 to be exact). */
export function uint8Params(r: Range): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, r.min);
  const hi = Math.max(0, r.max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/**
 * The weights' integer range: 7 bits (±63), onnxruntime's `reduce_range`. On x86 without VNNI the
 * u8 × s8 kernels sum pairs of products in int16 with saturation (255 · 127 · 2 > 32,767); with 7-bit
 * weights no sum can saturate, so every CPU computes the same integers and a library's features do
 * not depend on which machine embedded them.
 */
export const WEIGHT_MAX = 63;

/** Symmetric weights in [−WEIGHT_MAX, WEIGHT_MAX], one scale per output channel (dims[0]). */
export function quantiseWeights(w: Float32Array, outChannels: number): { q: Int8Array; scales: Float32Array } {
  const per = w.length / outChannels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(outChannels);
  for (let c = 0; c < outChannels; c++) {
    let max = 0;
    for (let j = 0; j < per; j++) max = Math.max(max, Math.abs(w[c * per + j]!));
    const s = max > 0 ? max / WEIGHT_MAX : 1;
    scales[c] = s;
    for (let j = 0; j < per; j++) q[c * per + j] = Math.max(-WEIGHT_MAX, Math.min(WEIGHT_MAX, Math.round(w[c * per + j]! / s)));
  }
  return { q, scales };
}

function floatsOf(t: OnnxTensor): Float32Array {
  const raw = t.raw_data;
  if (t.data_type !== DataType.FLOAT || !raw) throw new Error(`quantize: initializer ${t.name} is not raw float32`);
  const copy = new Uint8Array(raw); // aligned copy
  return new Float32Array(copy.buffer, 0, copy.length / 4);
}

/** Observed min / max of every quantised tensor over the calibration batches ([n, size, size, 3] each). */
export async function calibrate(fp32: Uint8Array, batches: AsyncIterable<{ x: Float32Array; n: number }> | Iterable<{ x: Float32Array; n: number }>, size: number): Promise<Map<string, Range>> {
  const m = decode(fp32);
  const names = quantisedTensors(m.graph.node);
  // The probe reduces each tensor to its min and max inside onnxruntime (a few floats out per
  // tensor instead of every activation: ~200 MB a batch of six).
  const reducers: OnnxNode[] = names.flatMap((t) => [
    { name: `${t}/calib_min`, op_type: 'ReduceMin', input: [t], output: [`${t}/calib_min`], attribute: [{ name: 'keepdims', type: 2, i: 0 }] },
    { name: `${t}/calib_max`, op_type: 'ReduceMax', input: [t], output: [`${t}/calib_max`], attribute: [{ name: 'keepdims', type: 2, i: 0 }] },
  ]);
  const outputs = reducers.map((r) => r.output[0]!);
  const probe: ModelObject = {
    ...m,
    graph: { ...m.graph, node: [...m.graph.node, ...reducers], output: [...m.graph.output, ...outputs.map((name) => ({ name, type: { tensor_type: { elem_type: DataType.FLOAT } } }))] },
  };
  const session = await ort.InferenceSession.create(encode(probe), { graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const inputName = session.inputNames[0]!;
  const ranges = new Map<string, Range>(names.map((n) => [n, { min: Infinity, max: -Infinity }]));
  let seen = 0;
  try {
    for await (const { x, n } of batches) {
      if (!n) continue;
      const out = await session.run({ [inputName]: new ort.Tensor('float32', x, [n, size, size, 3]) }, outputs);
      // Min / max: clipping the 0.01% or 0.1% tails instead measured no closer to float32.
      for (const name of names) {
        const r = ranges.get(name)!;
        r.min = Math.min(r.min, (out[`${name}/calib_min`]!.data as Float32Array)[0]!);
        r.max = Math.max(r.max, (out[`${name}/calib_max`]!.data as Float32Array)[0]!);
      }
      seen += n;
    }
  } finally {
    await session.release();
  }
  if (!seen) throw new Error('quantize: no calibration images');
  return ranges;
}

/** The QDQ model: int8 weights per output channel, a uint8 Q/DQ pair after every quantised tensor. */
export function quantiseGraph(fp32: Uint8Array, ranges: ReadonlyMap<string, Range>, metadata: Record<string, string>): Uint8Array {
  const m = decode(fp32);
  const g = m.graph;
  const init = new Map(g.initializer.map((t) => [t.name, t]));
  const wanted = new Set(quantisedTensors(g.node));
  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  const replaced = new Set<string>();
  const renamed = new Map<string, string>();
  const scalar = (name: string, dataType: number, raw: Uint8Array): string => {
    inits.push({ name, dims: [], data_type: dataType, raw_data: raw });
    return name;
  };
  for (const n of g.node) {
    const inputs = n.input.map((i) => renamed.get(i) ?? i);
    if (n.op_type === 'Conv') {
      const wName = n.input[1]!;
      const w = init.get(wName);
      if (!w) throw new Error(`quantize: conv ${n.name} has no weight initializer ${wName}`);
      const oc = Number(w.dims[0]);
      const { q, scales } = quantiseWeights(floatsOf(w), oc);
      replaced.add(wName);
      inits.push({ name: `${wName}/int8`, dims: w.dims, data_type: DataType.INT8, raw_data: new Uint8Array(q.buffer) });
      inits.push({ name: `${wName}/scale`, dims: [oc], data_type: DataType.FLOAT, raw_data: floatBytes(scales) });
      inits.push({ name: `${wName}/zero`, dims: [oc], data_type: DataType.INT8, raw_data: new Uint8Array(oc) });
      const dq = `${wName}/dequantized`;
      nodes.push({ name: dq, op_type: 'DequantizeLinear', input: [`${wName}/int8`, `${wName}/scale`, `${wName}/zero`], output: [dq], attribute: [{ name: 'axis', type: 2, i: 0 }] });
      nodes.push({ ...n, input: [inputs[0]!, dq, ...inputs.slice(2)] });
    } else nodes.push({ ...n, input: inputs });
    const t = n.output[0]!;
    if (!wanted.has(t)) continue;
    const r = ranges.get(t);
    if (!r || !Number.isFinite(r.min) || !Number.isFinite(r.max)) throw new Error(`quantize: no calibrated range for ${t}`);
    const { scale, zeroPoint } = uint8Params(r);
    const s = scalar(`${t}/q_scale`, DataType.FLOAT, floatBytes(Float32Array.of(scale)));
    const z = scalar(`${t}/q_zero`, DataType.UINT8, Uint8Array.of(zeroPoint));
    nodes.push({ name: `${t}/quantize`, op_type: 'QuantizeLinear', input: [t, s, z], output: [`${t}/q`], attribute: [] });
    nodes.push({ name: `${t}/dequantize`, op_type: 'DequantizeLinear', input: [`${t}/q`, s, z], output: [`${t}/dq`], attribute: [] });
    renamed.set(t, `${t}/dq`);
  }
  // The graph output keeps its name: an Identity reads the last (dequantised) value.
  for (const o of g.output) if (renamed.has(o.name)) throw new Error(`quantize: graph output ${o.name} is a quantised tensor`);
  g.node = nodes;
  g.initializer = [...g.initializer.filter((t) => !replaced.has(t.name)), ...inits];
  const meta = new Map((m.metadata_props ?? []).map((p) => [p.key, p.value]));
  for (const [k, v] of Object.entries(metadata)) meta.set(k, v);
  m.metadata_props = [...meta].map(([key, value]) => ({ key, value }));
  m.doc_string = `${m.doc_string ?? ''} Quantised to int8 (QDQ, static, per-channel weights) by quality-curator quantize.ts v${QUANTIZER_VERSION}.`.trim();
  return encode(m);
}

/** The calibrated ranges as committed beside the int8 model: the same model on every machine. */
export interface RangesFile {
  /** The quantiser version the ranges were measured for. */
  quantizer: number;
  /** What they were measured on. */
  calibration: string;
  /** Every quantised tensor: [min, max] observed. */
  ranges: Record<string, [number, number]>;
}

/** `x_int8.onnx` → `x_int8.ranges.json`, beside it. */
export function rangesFileFor(modelFile: string): string {
  return modelFile.replace(/\.onnx$/i, '') + '.ranges.json';
}

/**
 * Calibrate the float32 model and write the ranges (JSON, tensors in graph order). The ranges, not
 * the calibration run, are what a machine builds its int8 model from: onnxruntime's float kernels
 * differ in the last bits between CPUs, and so would ranges measured at install time.
 */
export async function calibrateToFile(srcFile: string, rangesFile: string, calibration: Calibration): Promise<RangesFile> {
  const ranges = await calibrate(readFileSync(srcFile), calibration.batches(), calibration.size);
  const out: RangesFile = { quantizer: QUANTIZER_VERSION, calibration: calibration.description, ranges: Object.fromEntries([...ranges].map(([k, r]) => [k, [r.min, r.max]])) };
  const tmp = `${rangesFile}.${process.pid}.tmp`;
  // One tensor a line: a recalibration reads as a diff of the ranges that moved.
  const lines = Object.entries(out.ranges).map(([k, r]) => `    ${JSON.stringify(k)}: ${JSON.stringify(r)}`);
  await writeFile(tmp, `{\n  "quantizer": ${out.quantizer},\n  "calibration": ${JSON.stringify(out.calibration)},\n  "ranges": {\n${lines.join(',\n')}\n  }\n}\n`);
  await rename(tmp, rangesFile);
  return out;
}

/** Read and check a ranges file against the float32 graph: every quantised tensor needs a finite range. */
export function readRanges(rangesFile: string, fp32: Uint8Array): Map<string, Range> {
  let data: RangesFile;
  try {
    data = JSON.parse(readFileSync(rangesFile, 'utf8')) as RangesFile;
  } catch (e) {
    throw new Error(`quantize: cannot read the calibrated ranges ${rangesFile}: ${(e as Error).message}`);
  }
  if (data.quantizer !== QUANTIZER_VERSION) throw new Error(`quantize: ${rangesFile} was measured for quantiser v${data.quantizer}, this is v${QUANTIZER_VERSION}; recalibrate (npx tsx scripts/convert-backbone.ts --calibrate)`);
  const out = new Map<string, Range>();
  for (const t of quantisedTensors(decode(fp32).graph.node)) {
    const r = data.ranges?.[t];
    if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || r[0] > r[1]) throw new Error(`quantize: ${rangesFile} has no valid range for tensor ${t}; recalibrate (npx tsx scripts/convert-backbone.ts --calibrate)`);
    out.set(t, { min: r[0], max: r[1] });
  }
  return out;
}

/** The cache stamp of an int8 model: the float32 model's bytes, the quantiser and the ranges. */
export function quantizeStamp(fp32: Uint8Array, rangesText: string): string {
  return createHash('sha256').update(`quantize v${QUANTIZER_VERSION}\n`).update(fp32).update('\n').update(rangesText).digest('hex');
}

/** Calibration inputs (NHWC, the backbone's input size) and what they are. */
export interface Calibration {
  description: string;
  size: number;
  batches: () => AsyncIterable<{ x: Float32Array; n: number }>;
}

/** The photos that ship with the app (the demo library, `resources/demo/images` beside `resources/models`): the calibration set. */
export function calibrationDir(modelsDir: string): string {
  return path.resolve(modelsDir, '..', 'demo', 'images');
}

/**
 * Every `every`-th JPEG of a folder (sorted by name), each fed as embedding feeds it: the whole image
 * resized, then its native-resolution crops.
 */
export function folderCalibration(dir: string, every = 5, size = DEFAULT_INPUT_SIZE): Calibration {
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
        .sort()
        .filter((_, i) => i % every === 0)
        .map((f) => path.join(dir, f))
    : [];
  if (!files.length) throw new Error(`quantize: no calibration images in ${dir} (the int8 backbone is calibrated on the demo photos that ship in resources/demo/images)`);
  const per = size * size * 3;
  return {
    description: `every ${every === 1 ? '' : `${every}th `}photo of ${path.basename(path.dirname(dir))}/${path.basename(dir)} (${files.length}: ${path.basename(files[0]!)} … ${path.basename(files.at(-1)!)}), whole image and its ${CROP_COUNT} native-resolution crops`,
    size,
    async *batches() {
      for (const f of files) {
        const img = await decodeRgb(f);
        const x = new Float32Array((1 + CROP_COUNT) * per);
        resizeToInput(img, size, x, 0);
        nativeCrops(img, { size }, x, per);
        yield { x, n: 1 + CROP_COUNT };
      }
    },
  };
}

/**
 * Build `outFile` from `srcFile` and the committed ranges unless it already holds exactly that
 * (its stamp); atomic. Pure arithmetic on the float32 weights: every machine writes the same bytes.
 */
export async function ensureQuantized(srcFile: string, outFile: string, rangesFile = rangesFileFor(outFile)): Promise<{ cached: boolean; tensors: number }> {
  const fp32 = readFileSync(srcFile);
  const stamp = quantizeStamp(fp32, readFileSync(rangesFile, 'utf8'));
  if (existsSync(outFile) && (await readOnnxMetadata(outFile))?.['qc.quantize_stamp'] === stamp) return { cached: true, tensors: 0 };
  const ranges = readRanges(rangesFile, fp32);
  const bytes = quantiseGraph(fp32, ranges, { 'qc.quantized_from': path.basename(srcFile), 'qc.quantize_stamp': stamp });
  await mkdir(path.dirname(outFile), { recursive: true });
  const tmp = `${outFile}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, outFile);
  return { cached: false, tensors: ranges.size };
}
