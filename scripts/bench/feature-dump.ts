/**
 * Dump the dev set's features, plus statistics of the backbone's intermediate layers, for the
 * screening scripts (`scripts/bench/feature-screen.py`; docs/ML-EXPERIMENTS.md).
 *
 * For every image of ../shared/datasets/quality-dev (truth.tsv order) one JSON line: id, label,
 * degradation kind, source photo, the product's three blocks as `qc embed` computes them (whole
 * 1280, crops mean+max 2560, signals), and per intermediate layer of the MobileNetV2 the mean and
 * standard deviation of each channel over the picture (multi-level statistics, as hyperIQA and
 * DB-CNN read quality from early layers): `lw` on the whole image at 224 px, `lc` over the five
 * native-resolution crops (mean over crops, then max over crops). The layers' outputs are made
 * graph outputs of a copy of the backbone in memory (GlobalAveragePool of x and of x²); the model
 * file is not changed.
 *
 *   npx tsx scripts/bench/feature-dump.ts [--out FILE] [--layers Conv1_relu,block_2_add,...]
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { defaultModelsDir } from '../../src-main/core/app';
import { ModelProto, valueInfo } from '../../src-main/core/ml/backbone/onnx';
import { poolCrops } from '../../src-main/core/ml/embed';
import { CROP_COUNT } from '../../src-main/core/ml/features/crops';
import { prepareImage } from '../../src-main/core/ml/prepare';
import { argValue, DATASET_IMAGES_DIR, readDevTruth } from './fixtures';

const DEFAULT_LAYERS = ['Conv1_relu', 'expanded_conv_project_BN', 'block_2_add', 'block_5_add', 'block_9_add', 'block_12_add', 'block_15_add'];
const SIZE = 224;
const EMBEDDING = 1280;

interface OnnxGraph {
  node: { op_type: string; input: string[]; output: string[]; name: string }[];
  output: unknown[];
}

/** The backbone with each layer's per-channel mean and mean square as extra outputs. */
function withLayerStats(modelFile: string, layers: readonly string[]): Uint8Array {
  const model = ModelProto.toObject(ModelProto.decode(fs.readFileSync(modelFile))) as { graph: OnnxGraph };
  const g = model.graph;
  const known = new Set(g.node.flatMap((n) => n.output));
  for (const l of layers) {
    if (!known.has(l)) throw new Error(`no tensor named ${l} in ${modelFile}`);
    g.node.push({ op_type: 'GlobalAveragePool', input: [l], output: [`${l}/mean`], name: `${l}/mean` });
    g.node.push({ op_type: 'Mul', input: [l, l], output: [`${l}/sq`], name: `${l}/sq` });
    g.node.push({ op_type: 'GlobalAveragePool', input: [`${l}/sq`], output: [`${l}/meansq`], name: `${l}/meansq` });
    g.output.push(valueInfo(`${l}/mean`, ['N', 'C', 1, 1]), valueInfo(`${l}/meansq`, ['N', 'C', 1, 1]));
  }
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** Per image: each layer's channel means, then their standard deviations. */
function layerStats(r: ort.InferenceSession.OnnxValueMapType, layers: readonly string[], n: number): number[][] {
  const per: number[][] = Array.from({ length: n }, () => []);
  for (const l of layers) {
    const mean = r[`${l}/mean`]!.data as Float32Array;
    const meansq = r[`${l}/meansq`]!.data as Float32Array;
    const c = mean.length / n;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < c; k++) per[i]!.push(mean[i * c + k]!);
      for (let k = 0; k < c; k++) per[i]!.push(Math.sqrt(Math.max(0, meansq[i * c + k]! - mean[i * c + k]! ** 2)));
    }
  }
  return per;
}

async function main(argv: string[]): Promise<void> {
  const out = argValue(argv, 'out') ?? 'feature-dump.jsonl';
  const layers = argValue(argv, 'layers')?.split(',') ?? DEFAULT_LAYERS;
  const session = await ort.InferenceSession.create(withLayerStats(path.join(defaultModelsDir(), 'mobilenet_v2_nsfwjs.onnx'), layers), { intraOpNumThreads: 2 });
  const lines: string[] = [];
  for (const { id, label, kind, source } of readDevTruth()) {
    const p = await prepareImage({ sha: id, file: path.join(DATASET_IMAGES_DIR, `${id}.jpg`) }, { sets: ['whole', 'crops', 'signals'], inputSize: SIZE });
    if (p.error) throw new Error(`${id}: ${p.error}`);
    const whole = await session.run({ input: new ort.Tensor('float32', p.whole!, [1, SIZE, SIZE, 3]) });
    const crops = await session.run({ input: new ort.Tensor('float32', p.crops!, [CROP_COUNT, SIZE, SIZE, 3]) });
    const cropStats = layerStats(crops, layers, CROP_COUNT);
    const statDim = cropStats[0]!.length;
    lines.push(
      JSON.stringify({
        id,
        label,
        deg: kind,
        src: source,
        whole: Array.from(whole.embedding!.data as Float32Array),
        crops: Array.from(poolCrops(crops.embedding!.data as Float32Array, 1, EMBEDDING)),
        signals: Array.from(p.signals!),
        lw: layerStats(whole, layers, 1)[0],
        lc: Array.from(poolCrops(Float32Array.from(cropStats.flat()), 1, statDim)),
      }),
    );
  }
  fs.writeFileSync(out, `${lines.join('\n')}\n`);
  console.log(`${lines.length} images → ${out}; layer statistics: ${layers.join(', ')} (${JSON.parse(lines[0]!).lw.length} columns per view)`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
