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
import { DEFAULT_FETCH_OPTIONS } from '../library/fetch';
import { fsReason } from '../fsSafe';
import { decodeRgb } from '../ml/backbone/preprocess';
import { DEFAULT_MAX_PIXELS, verifyImage, VerifyFailure } from '../library/verify';
import { isOpenDatabaseFile } from '../db/open';
import { readLocalFile } from '../library/sources';

/** The largest file read as a picture: the import's limit (library/fetch.ts). */
const MAX_PICTURE_BYTES = DEFAULT_FETCH_OPTIONS.maxBytes;

type Image = ResultOf<'export.features'>['images'][number];

/** The run's feature blocks that its exported model takes as inputs besides the image, in the model's input order. */
export function extraInputSets(features: readonly FeatureSet[]): FeatureSet[] {
  return features.filter((s) => s !== 'whole');
}

export async function modelInputs(engine: MlEngine, modelsDir: string, runs: RunStore, args: ArgsOf<'export.features'>, ctx: CallContext): Promise<ResultOf<'export.features'>> {
  const runId = runs.requireRun(args.runId);
  const { params } = runs.detail(runId);
  const sizes = args.files.map((f) => {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(f, { throwIfNoEntry: false });
    } catch (e) {
      // A path the user can fix (a file where a folder should be, a link loop, a name too long, no permission).
      const why = fsReason(e);
      if (why) throw new QcError('bad_input', `cannot read it: ${why}`, { file: f });
      throw e;
    }
    // The path travels as `file` (describeError puts it in front): not in the message as well.
    if (!st) throw new QcError('not_found', 'no such file', { file: f });
    // Not even opened: closing it would drop this process's SQLite locks on it (db/open.ts).
    if (isOpenDatabaseFile(f)) throw new QcError('bad_input', 'the database of the open library (or its journal), not a picture', { file: f });
    if (!st.isFile()) throw new QcError('bad_input', 'not a file', { file: f });
    return st.size;
  });
  const sets = extraInputSets(params.features);
  // A file over the pictures' size limit (imports refuse it too) is not read: its error, not its inputs.
  const tooLarge = (i: number) => sizes[i]! > MAX_PICTURE_BYTES;
  const images: Image[] = args.files.map((file, i) =>
    tooLarge(i) ? { file, error: `too large to be a picture: ${(sizes[i]! / 2 ** 20).toFixed(0)} MB, over the ${MAX_PICTURE_BYTES / 2 ** 20} MB limit; not read` } : { file, inputs: {} },
  );
  // Each file is checked as an import checks a picture (library/verify.ts: its kind by its bytes,
  // the decoder's cost, the side and pixel limits, a decode), so what an import refuses (an SVG, a
  // 225-MP PNG that compresses to 0.6 MB) is not decoded here either: its error, as the import's
  // failure list names it. Then, with no input besides the image, each is decoded as the app
  // decodes it for scoring, so a file that is no picture says so here as for a run that needs more.
  for (const [i, image] of images.entries()) {
    if (ctx.signal.aborted) throw new QcError('cancelled', 'cancelled');
    if (image.error) continue;
    try {
      // Read as an import reads a local picture (sources.ts): the opened file must be a regular one
      // (a FIFO or device swapped in after the check above is refused, not waited on) within the cap.
      const bytes = await readLocalFile(image.file, MAX_PICTURE_BYTES);
      await verifyImage(bytes, DEFAULT_MAX_PIXELS, 'later');
      if (!sets.length) await decodeRgb(bytes);
    } catch (e) {
      images[i] = { file: image.file, error: e instanceof VerifyFailure ? `${e.reason}: ${e.message}` : (e as Error).message };
    }
  }
  if (!sets.length) return { run_id: runId, inputs: [], images };
  const widths: Partial<Record<FeatureSet, number>> = {};
  let done = 0;
  ctx.progress({ job: 'export.features', phase: 'features', done, total: images.length });
  await engine.embed(
    { backboneId: params.backbone, modelsDir, items: args.files.flatMap((file, i) => (images[i]!.error ? [] : [{ sha: String(i), file }])), sets },
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
