/**
 * `qc features FILE… --run ID` (`export.features`): the extra inputs of a run's exported model
 * (model.ts: `crops`, `signals`, `defects`, the blocks ONNX cannot express) for image files outside
 * the library, computed exactly as the app computes them for scoring: the app's one decode
 * (backbone/preprocess.ts decodeRgb), then the same feature code through the ML engine (embed.ts).
 * Nothing is stored: the library's feature cache is neither read nor written.
 */
import fs from 'node:fs';
import type { ArgsOf, CallContext, ResultOf } from '../../../src-shared/contract/handlers';
import { QcError } from '../../../src-shared/contract/errors';
import type { FeatureSet } from '../../../src-shared/domain/ml';
import type { MlEngine } from '../ml/engine';
import type { RunStore } from '../ml/runs';

type Image = ResultOf<'export.features'>['images'][number];

/** The run's feature blocks that its exported model takes as inputs besides the image, in the model's input order. */
export function extraInputSets(features: readonly FeatureSet[]): FeatureSet[] {
  return features.filter((s) => s !== 'whole');
}

export async function modelInputs(engine: MlEngine, modelsDir: string, runs: RunStore, args: ArgsOf<'export.features'>, ctx: CallContext): Promise<ResultOf<'export.features'>> {
  const runId = runs.requireRun(args.runId);
  const { params } = runs.detail(runId);
  for (const f of args.files) {
    const st = fs.statSync(f, { throwIfNoEntry: false });
    // The path travels as `file` (describeError puts it in front): not in the message as well.
    if (!st) throw new QcError('not_found', 'no such file', { file: f });
    if (!st.isFile()) throw new QcError('bad_input', 'not a file', { file: f });
  }
  const sets = extraInputSets(params.features);
  const images: Image[] = args.files.map((file) => ({ file, inputs: {} }));
  if (!sets.length) return { run_id: runId, inputs: [], images };
  const widths: Partial<Record<FeatureSet, number>> = {};
  let done = 0;
  ctx.progress({ job: 'export.features', phase: 'features', done, total: images.length });
  await engine.embed(
    { backboneId: params.backbone, modelsDir, items: args.files.map((file, i) => ({ sha: String(i), file })), sets },
    (results) => {
      for (const r of results) {
        const image = images[Number(r.sha)]!;
        if (r.error) {
          images[Number(r.sha)] = { file: image.file, error: r.error };
          continue;
        }
        for (const s of sets) {
          const v = r[s];
          if (!v) throw new QcError('internal', `${image.file}: no ${s} features computed`);
          widths[s] = v.length;
          image.inputs![s] = { shape: [1, v.length], data: Array.from(v) };
        }
      }
      done += results.length;
      ctx.progress({ job: 'export.features', phase: 'features', done, total: images.length });
    },
    ctx.signal,
  );
  if (ctx.signal.aborted) throw new QcError('cancelled', 'cancelled');
  return {
    run_id: runId,
    inputs: sets.filter((s) => widths[s]).map((s) => ({ name: s, dtype: 'float32' as const, shape: [1, widths[s]!] })),
    images,
  };
}
