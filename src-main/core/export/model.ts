/**
 * `qc export-model RUN DIR`: a run as one ONNX model plus a JSON card, for people and tools that
 * do not run Quality Curator (the seed's `saved_models/`).
 *
 * The graph is the backbone's, with the steps around it that ONNX can express:
 *
 *   image  uint8 [1, H, W, 3]  (decoded RGB: EXIF orientation applied, sRGB, transparency on black)
 *     → Cast → ÷255 → NCHW → Resize to 224×224 (linear, align_corners: the nsfwjs arithmetic of
 *       backbone/preprocess.ts) → NHWC → backbone → embedding [1, 1280]
 *     → (Concat with the other feature blocks, given as inputs, in the run's order)
 *     → standardisation folded into the first layer → head (linear, or MLP with ReLU) → Sigmoid
 *   p_bad  float [1, 1]
 *
 * What ONNX cannot express here — the native-resolution crops (positions depend on the image's
 * size) and the hand-made quality signals — become extra inputs (`crops`, `signals`, …) that the
 * card documents as pre-processing steps and `qc features FILE… --run ID` (modelInputs.ts) prints for
 * any image file; a run trained on whole-image features needs the image only.
 * A run's distance-from-good block (ml/train/distance.ts) is plain arithmetic on the `signals`
 * input, so the graph computes it (robust z, |z|, group means and maxima, Mahalanobis).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { QcError } from '../../../src-shared/contract/errors';
import type { FeatureSet, RunDetail, ThresholdInForce, TrainParams } from '../../../src-shared/domain/ml';
import type { ModelExportSummary } from '../../../src-shared/domain/runQuality';
import { findBackbone, loadManifest } from '../ml/backbone/manifest';
import { PREPROCESS_VERSION, TRANSPARENT_BACKGROUND } from '../ml/backbone/preprocess';
import { DataType, GraphBuilder, ModelProto, valueInfo } from '../ml/backbone/onnx';
import type { TrainedHead } from '../ml/train/types';
import { distanceColumns, type DistanceBlock } from '../ml/train/distance';
import { standardScale } from '../ml/train/matrix';
import { DEFECT_LATTICE, DEFECT_PATCH } from '../ml/features/defects';
import { DEFECT_NET_FILE } from '../ml/features/defectNet';
import { writeFileAtomic } from '../fsSafe';
import { GRAPH_FILES, runGraphNames, writeRunGraphs } from './graphs';
import { CARD_FORMAT_PREFIX, GRAPH_FILE, isOurCard, isOurModel, MODEL_PRODUCER } from './ours';
import { ExportStage, refuseNotOwned, type OwnedFiles } from './stage';

export const MODEL_FILE = 'model.onnx';
export const CARD_FILE = 'model-card.json';
export const CARD_FORMAT = `${CARD_FORMAT_PREFIX}1`;

/**
 * The files a model export may replace or remove in its output folder: a model card this app wrote
 * (its `format`), a model it exported (its ONNX producer), train graphs it drew (ours.ts). A file of
 * the user's at one of those names is refused, naming it, and nothing is published.
 */
export const MODEL_FILES: OwnedFiles = {
  test: (abs) => (path.basename(abs) === CARD_FILE ? isOurCard(abs) : path.basename(abs) === MODEL_FILE ? isOurModel(abs) : GRAPH_FILES.test(abs)),
  what: (abs) =>
    path.basename(abs) === CARD_FILE
      ? `a model card Quality Curator wrote (its "format" is not ${CARD_FORMAT_PREFIX}…)`
      : path.basename(abs) === MODEL_FILE
        ? `a model Quality Curator exported (its ONNX producer is not ${MODEL_PRODUCER})`
        : typeof GRAPH_FILES.what === 'string' ? GRAPH_FILES.what : GRAPH_FILES.what(abs),
};

/**
 * How the decoded image the model takes is made (backbone/preprocess.ts decodeRgb), for the card:
 * the background transparent pixels are composited onto is the decode's own constant.
 */
export const IMAGE_DECODE_NOTE = `EXIF orientation applied, converted to sRGB, transparent pixels composited onto ${TRANSPARENT_BACKGROUND} (black) and the alpha channel then dropped (dropping alpha without compositing scores the colour hidden under transparent pixels: another p(bad))`;

/**
 * The card's words for the p_bad output: the score `qc classify` gives an image the run did not
 * train on. The library tags the run's train and validation images with their out-of-fold p(bad)
 * (trainService.ts store: a model that did not see the image), which this final model, trained on
 * them, does not reproduce.
 */
export const P_BAD_OUTPUT_NOTE =
  "probability that the image is bad; tag it bad at or above the threshold you choose (see thresholds; Quality Curator tags with thresholds.in_force). It is the p(bad) Quality Curator gives an image the run did not train on (its test images, unlabelled images, bundles classified since). The run's train and validation images are scored in the library (Review, qc export's final tags) by their out-of-fold p(bad), from a model that never saw them; this model trained on them, so for those images it gives another number, usually nearer their label";

/** How a downstream tool gets a run's extra inputs (modelInputs.ts). */
export function extraInputsCommand(runId: number): string {
  return `\`qc features IMAGE… --run ${runId}\` prints them for image files, one JSON line per file ({"file", "inputs": {"<name>": {"shape", "data"}}}), decoded and computed exactly as Quality Curator does when it scores (API: export.features).`;
}

/** What each feature block is, for the card, when it has to be supplied as an input. */
const BLOCK_NOTES: Record<string, string> = {
  crops:
    'Mean and max over the backbone embeddings of native-resolution 224-px crops of the decoded image (src-main/core/ml/features/crops.ts); crop positions depend on the image size, which ONNX cannot express here.',
  signals:
    'Hand-made quality signals computed from the decoded pixels (src-main/core/ml/features/signals.ts: sharpness, exposure, noise, blocking, …); not expressible as ONNX operators.',
  defects:
    `The defect net's block (src-main/core/ml/features/defects.ts): a small CNN (resources/models/${DEFECT_NET_FILE}) run on up to ${DEFECT_LATTICE.long * DEFECT_LATTICE.short} native-resolution ${DEFECT_PATCH}-px tiles whose positions depend on the image size, pooled to the mean class probabilities and level statistics.`,
};

/** What exportModel wrote: the contract's summary (ModelExportSummary) less the run id, which the handler adds. */
export type ModelExportResult = Omit<ModelExportSummary, 'run_id'>;

interface ModelObject {
  graph: { node: unknown[]; initializer: unknown[]; input: { name: string }[]; output: { name: string }[]; name: string };
  metadata_props?: { key: string; value: string }[];
  [k: string]: unknown;
}

/** First-layer weights with standardisation and column scale folded in (double precision, then float32). */
function foldedFirstLayer(head: TrainedHead): { w: Float32Array; b: Float32Array; cols: number } {
  const layer = head.layers[0]!;
  const cols = layer.shape[1]!;
  const w = new Float32Array(layer.w.length);
  const b = new Float64Array(layer.b);
  for (let j = 0; j < head.d; j++) {
    const s = standardScale(head.std[j]!, head.columnScale ? head.columnScale[j]! : 1);
    for (let k = 0; k < cols; k++) {
      const v = layer.w[j * cols + k]! * s;
      w[j * cols + k] = v;
      b[k] = b[k]! - head.mean[j]! * v;
    }
  }
  return { w, b: Float32Array.from(b), cols };
}

/**
 * The distance block of ml/train/distance.ts as ONNX operators on `input` [1, width] (opset 13):
 * z = Clip((x − center) / scale, −clip, clip); |z|; per group the mean and max of |z| (Gather,
 * ReduceMean, ReduceMax); the overall mean and max; log1p(‖z·W‖² / width). Output [1, columns].
 */
function distanceGraph(g: GraphBuilder, b: DistanceBlock, input: string): string {
  const f = (name: string, dims: number[], v: ArrayLike<number>) => g.floatConst(name, dims, Float32Array.from(v));
  const centred = g.node('Sub', 'qc_dist_centred', [input, f('qc_dist_center', [1, b.width], b.center)]);
  const raw = g.node('Div', 'qc_dist_zraw', [centred, f('qc_dist_scale', [1, b.width], b.scale)]);
  const z = g.node('Clip', 'qc_dist_z', [raw, f('qc_dist_lo', [], [-b.clip]), f('qc_dist_hi', [], [b.clip])]);
  const abs = g.node('Abs', 'qc_dist_absz', [z]);
  const parts = b.perSignal === false ? [] : [abs];
  b.groups.forEach((grp, i) => {
    const picked = g.node('Gather', `qc_dist_g${i}`, [abs, g.int64Const(`qc_dist_g${i}_cols`, grp.columns)], { axis: 1 });
    parts.push(g.node('ReduceMean', `qc_dist_g${i}_mean`, [picked], { axes: [1], keepdims: 1 }));
    parts.push(g.node('ReduceMax', `qc_dist_g${i}_max`, [picked], { axes: [1], keepdims: 1 }));
  });
  parts.push(g.node('ReduceMean', 'qc_dist_mean', [abs], { axes: [1], keepdims: 1 }));
  parts.push(g.node('ReduceMax', 'qc_dist_max', [abs], { axes: [1], keepdims: 1 }));
  const whitened = g.node('MatMul', 'qc_dist_white', [z, f('qc_dist_w', [b.width, b.width], b.whiten)]);
  const d2 = g.node('ReduceSumSquare', 'qc_dist_d2', [whitened], { axes: [1], keepdims: 1 });
  const scaled = g.node('Div', 'qc_dist_d2w', [d2, f('qc_dist_width', [], [b.width])]);
  parts.push(g.node('Log', 'qc_dist_maha', [g.node('Add', 'qc_dist_d2w1', [scaled, f('qc_dist_one', [], [1])])]));
  return g.node('Concat', 'qc_distance', parts, { axis: 1 });
}

export interface ExportModelOptions {
  run: RunDetail;
  head: TrainedHead;
  modelsDir: string;
  outDir: string;
  /** Feature widths of the run's blocks, in `params.features` order (from the feature cache). */
  widths: Partial<Record<FeatureSet, number>>;
  /** Also write the run's train graphs into `<outDir>/train_graphs/` (published with the model and card). */
  graphs?: boolean;
  /** The library's owners/ folder: what this library's dead processes left in the output folder is swept at once (stage.ts). */
  owners?: string | null;
  /** The threshold `qc export` and `qc classify` apply to this run (runs.ts `thresholdInForce`), recorded in the card. */
  inForce: ThresholdInForce;
  /** The call's cancel: checked before anything is published (a cancelled export leaves the folder as it was). */
  signal?: AbortSignal;
}

export const GRAPHS_FOLDER = 'train_graphs';

export async function exportModel(opts: ExportModelOptions): Promise<ModelExportResult> {
  const { run, head } = opts;
  const params: TrainParams = run.params;
  if (run.status !== 'done') throw new QcError('bad_input', `run ${run.run_id} did not finish (${run.status}); only a finished run can be exported`);
  const manifest = await loadManifest(opts.modelsDir);
  const entry = findBackbone(manifest, params.backbone);
  const backboneFile = path.join(opts.modelsDir, entry.file);
  if (!fs.existsSync(backboneFile)) throw new QcError('not_found', 'the backbone model file is missing; run `npm install` (it converts the backbone)', { file: backboneFile });

  const model = ModelProto.toObject(ModelProto.decode(fs.readFileSync(backboneFile)), { longs: Number, defaults: false }) as ModelObject;
  const size = entry.input.size;
  const backboneIn = entry.input.name;
  const embedding = entry.output;
  if (model.graph.input.length !== 1 || model.graph.input[0]!.name !== backboneIn) throw new QcError('internal', `backbone ${entry.id}: expected one graph input named ${backboneIn}`);
  if (entry.input.layout !== 'NHWC') throw new QcError('internal', `backbone ${entry.id}: export supports NHWC backbones only`);

  const g = new GraphBuilder();
  // Pre-processing in the graph: uint8 HWC image → the backbone's NHWC 0..1 input at size × size.
  g.node('Cast', 'qc_image_f', ['image'], { to: DataType.FLOAT });
  g.node('Div', 'qc_image_01', ['qc_image_f', g.floatConst('qc_255', [], Float32Array.of(255))]);
  g.node('Transpose', 'qc_image_nchw', ['qc_image_01'], { perm: [0, 3, 1, 2] });
  g.node('Resize', 'qc_resized', ['qc_image_nchw', '', '', g.int64Const('qc_size', [1, 3, size, size])], { mode: 'linear', coordinate_transformation_mode: 'align_corners' });
  g.node('Transpose', 'qc_resized_nhwc', ['qc_resized'], { perm: [0, 2, 3, 1] }, backboneIn);

  // The head on the run's feature blocks, in order.
  const inputs: ModelExportResult['inputs'] = [{ name: 'image', dtype: 'uint8', shape: [1, 'height', 'width', 3] }];
  const blocks: string[] = [];
  const extra: string[] = [];
  let d = 0;
  for (const set of params.features) {
    if (set === 'whole') {
      blocks.push(embedding);
      d += entry.dim;
      continue;
    }
    const width = opts.widths[set];
    if (!width) throw new QcError('internal', `run ${run.run_id}: unknown width of the ${set} features`);
    blocks.push(set);
    extra.push(set);
    inputs.push({ name: set, dtype: 'float32', shape: [1, width] });
    d += width;
  }
  if (head.distance) {
    // The distance block's columns, computed in the graph from the signals input, go last.
    const dist = head.distance;
    const start = params.features.slice(0, params.features.indexOf('signals')).reduce((sum, s) => sum + (s === 'whole' ? entry.dim : opts.widths[s] ?? 0), 0);
    if (!params.features.includes('signals') || dist.start !== start || dist.width !== opts.widths.signals) {
      throw new QcError('internal', `run ${run.run_id}: its distance block (columns ${dist.start}..${dist.start + dist.width}) is not the signals block`);
    }
    blocks.push(distanceGraph(g, dist, 'signals'));
    d += distanceColumns(dist);
  }
  if (d !== head.d) throw new QcError('internal', `run ${run.run_id}: the head expects ${head.d} columns, the blocks give ${d}`);
  const x = blocks.length === 1 ? blocks[0]! : g.node('Concat', 'qc_features', blocks, { axis: 1 });
  const first = foldedFirstLayer(head);
  let z = g.node('Gemm', 'qc_head_1', [x, g.floatConst('qc_w1', [head.d, first.cols], first.w), g.floatConst('qc_b1', [first.cols], first.b)]);
  if (head.kind === 'mlp') {
    const l2 = head.layers[1]!;
    const h = g.node('Relu', 'qc_head_relu', [z]);
    z = g.node('Gemm', 'qc_head_2', [h, g.floatConst('qc_w2', [l2.shape[0]!, 1], Float32Array.from(l2.w)), g.floatConst('qc_b2', [1], Float32Array.from(l2.b))]);
  }
  g.node('Sigmoid', 'p_bad', [z]);

  model.graph.node = [...g.nodes.slice(0, 5), ...model.graph.node, ...g.nodes.slice(5)];
  model.graph.initializer = [...model.graph.initializer, ...g.initializers];
  model.graph.input = [valueInfo('image', [1, 'height', 'width', 3], DataType.UINT8), ...extra.map((s) => valueInfo(s, [1, opts.widths[s as FeatureSet]!]))];
  model.graph.output = [valueInfo('p_bad', [1, 1]), valueInfo(embedding, [1, entry.dim])];
  model.graph.name = `quality_curator_run_${run.run_id}`;
  model.producer_name = MODEL_PRODUCER; // what a later export tells its own model.onnx by (ours.ts isOurModel)
  model.doc_string = `Quality Curator run ${run.run_id}: p(bad) of an image (${head.kind} head on ${params.features.join(' + ')} features of ${entry.id}).`;
  model.metadata_props = [
    ...(model.metadata_props ?? []),
    { key: 'qc.run_id', value: String(run.run_id) },
    { key: 'qc.features', value: params.features.join(',') },
    { key: 'qc.output', value: 'p_bad' },
  ];
  const err = ModelProto.verify(model);
  if (err) throw new QcError('internal', `export-model: bad ONNX message: ${err}`);
  const bytes = ModelProto.encode(ModelProto.fromObject(model)).finish();

  // The model, its card and its graphs are published together (stage.ts): the old card out first,
  // the model and the graphs in (another run's graphs out), the card last. Killed part way, the
  // folder holds no card (visibly incomplete), never one run's model beside another's card.
  const epochs = run.evaluation?.epochs ?? [];
  const withGraphs = Boolean(opts.graphs && epochs.length);
  const stage = ExportStage.open(opts.outDir, { owners: opts.owners ?? null });
  const modelFile = path.join(stage.outDir, MODEL_FILE);
  const cardFile = path.join(stage.outDir, CARD_FILE);
  try {
    // A file of the user's at one of this export's names is refused now, before anything is written
    // (and again when publishing: it may appear meanwhile).
    refuseNotOwned(stage.outDir, [MODEL_FILE, CARD_FILE, ...(withGraphs ? runGraphNames(run.run_id).map((n) => path.join(GRAPHS_FOLDER, n)) : [])], MODEL_FILES);
    writeFileAtomic(stage.path(MODEL_FILE), bytes);
    const graphFiles: string[] = [];
    if (withGraphs) {
      const written = await writeRunGraphs(run.run_id, epochs, stage.path(GRAPHS_FOLDER), { base: stage.dir });
      graphFiles.push(...written.files.map((f) => path.join(GRAPHS_FOLDER, path.basename(f))));
    }
    writeCard(stage, bytes, inputs, extra, entry, size, embedding);
    if (opts.signal?.aborted) throw new QcError('cancelled', 'cancelled');
    const graphsDir = path.join(stage.outDir, GRAPHS_FOLDER);
    const staleGraphs = opts.graphs && fs.lstatSync(graphsDir, { throwIfNoEntry: false })?.isDirectory()
      ? fs.readdirSync(graphsDir).filter((n) => GRAPH_FILE.test(n) && !graphFiles.includes(path.join(GRAPHS_FOLDER, n))).map((n) => path.join(GRAPHS_FOLDER, n))
      : [];
    // Only this app's files are replaced or removed: another run's graphs of the user's are left alone.
    stage.publish({ remove: [CARD_FILE], files: [MODEL_FILE, ...graphFiles], stale: staleGraphs, last: CARD_FILE, owns: MODEL_FILES });
  } catch (e) {
    stage.discard();
    // A failure names the file where it goes, not the hidden stage it was written in.
    throw stage.told(e);
  }
  return { dir: stage.outDir, model: modelFile, card: cardFile, inputs, extra_inputs: extra, bytes: bytes.length };

  function writeCard(stage: ExportStage, bytes: Uint8Array, inputs: ModelExportResult['inputs'], extra: string[], entry: ReturnType<typeof findBackbone>, size: number, embedding: string): void {

  const card = {
    format: CARD_FORMAT,
    run_id: run.run_id,
    trained_at: run.created_at,
    exported_at: new Date().toISOString(),
    model_file: MODEL_FILE,
    model_sha256: createHash('sha256').update(bytes).digest('hex'),
    backbone: { id: entry.id, source: entry.source, license: entry.license, dim: entry.dim },
    features: params.features,
    head: {
      kind: head.kind,
      hidden: head.kind === 'mlp' ? head.hidden : 0,
      backend: head.backend,
      ...(head.distance && {
        distance_from_good: `computed in the graph from the signals input: robust z against the ${head.distance.fitRows} good training images (median, scale), |z| clipped at ${head.distance.clip}, group means and maxima, and a shrunk-covariance Mahalanobis distance (src-main/core/ml/train/distance.ts)`,
      }),
    },
    inputs: inputs.map((i) => ({
      ...i,
      description:
        i.name === 'image'
          ? `The decoded image as RGB bytes, height × width × 3: ${IMAGE_DECODE_NOTE}. The graph resizes it itself.`
          : `${BLOCK_NOTES[i.name] ?? `the ${i.name} feature block`} Not expressible in ONNX: supply it as an input. ${extraInputsCommand(run.run_id)}`,
    })),
    outputs: [
      { name: 'p_bad', shape: [1, 1], description: P_BAD_OUTPUT_NOTE },
      { name: embedding, shape: [1, entry.dim], description: 'the backbone embedding, for reuse' },
    ],
    preprocessing: {
      in_graph: `uint8 → float ÷ 255 → bilinear resize to ${size}×${size} with align_corners (the whole image stretched, no crop, no antialiasing) → ${entry.id}`,
      version: PREPROCESS_VERSION,
      decode: IMAGE_DECODE_NOTE,
      outside_graph: extra.length ? extra.map((s) => ({ input: s, how: BLOCK_NOTES[s] ?? `the ${s} block of Quality Curator's features`, compute: extraInputsCommand(run.run_id) })) : [],
      needs_only_the_image: extra.length === 0,
    },
    training_data: { snapshot: run.snapshot, snapshot_hash: run.snapshot?.hash ?? null },
    params,
    metrics: run.metrics,
    thresholds: {
      recommended_bad: run.recommended_threshold.bad,
      recommended_good: run.recommended_threshold.good,
      target_error: params.targetError,
      // What the library tags with: the curator's threshold for this run, else the recommendation, else the best provable bound.
      in_force: opts.inForce,
      detail: run.thresholds,
    },
  };
  writeFileAtomic(stage.path(CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
  }
}
