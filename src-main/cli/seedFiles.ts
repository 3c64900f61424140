/** `qc export-training | export-model | features | archive`, and the human text of `qc runs --best` and `qc run --graphs`: the seed's files. */
import type { Command } from 'commander';
import type { ResultOf } from '../../src-shared/contract/handlers';
import { curatorManifestNote, trainingExportWarnings, type GraphsExportSummary, type ModelExportSummary, type RankedRun, type TrainingExportSummary } from '../../src-shared/domain/runQuality';
import type { WithCore } from './main';
import { API_SCHEMAS } from '../../src-shared/contract/schemas';
import { DEFAULT_SAMPLE } from '../core/export/training';
import { localPath, numberOption, usage } from './options';
import { countOf } from '../../src-shared/domain/words';

// Option values obey the API's schemas (options.ts): a wrong one is one line naming the option.
const training = API_SCHEMAS['export.training'].shape;
const modelRunId = numberOption('run-id', API_SCHEMAS['export.model'].shape.runId);
/** `qc export-model`'s run: `active` or a run id; a word that is neither is refused naming both. */
const modelRunArg = (v: string): number | 'active' => {
  if (v === 'active') return 'active';
  if (!/^\s*[+-]?[\d.]/.test(v)) throw usage(`run-id: expected a run id or active, got "${v}"`);
  return modelRunId(v);
};
const archivedId = numberOption('run-id', API_SCHEMAS['ml.archiveRuns'].shape.runIds.element);

export function formatTrainingExport(r: TrainingExportSummary): string {
  const classes = Object.entries(r.by_class).map(([c, n]) => `${c}: ${n}`).join(', ');
  return [
    `Wrote ${r.dir}`,
    `  images/1..5 by rating class (${classes}); images/agg: ${r.agg.bad} bad, ${r.agg.good} good (${r.copied} copies; never re-encoded)`,
    `  ${r.lists.length} download lists (one_download.txt … five_download.txt and their samples)`,
    ...(curatorManifestNote(r) ? [`  ${curatorManifestNote(r)}`] : []),
    ...(r.curator_unlabelled ? [`  note: ${countOf(r.curator_unlabelled, 'rated image')} a curator unlabelled ${r.curator_unlabelled === 1 ? 'sits' : 'sit'} in ${r.curator_unlabelled === 1 ? 'its' : 'their'} rating folder only; re-importing gives ${r.curator_unlabelled === 1 ? 'it' : 'them'} the rule's label`] : []),
    ...trainingExportWarnings(r).map((w) => `  warning: ${w}`),
  ].join('\n');
}

export function formatModelExport(r: ModelExportSummary): string {
  return [
    `Run ${r.run_id} exported: ${r.model} (${(r.bytes / 1e6).toFixed(1)} MB) and ${r.card}`,
    `  inputs: ${r.inputs.map((i) => `${i.name} ${i.dtype} [${i.shape.join(', ')}]`).join('; ')} → p_bad [1, 1]`,
    r.extra_inputs.length
      ? `  this run also needs ${r.extra_inputs.join(' and ')} features computed outside the model: qc features IMAGE… --run ${r.run_id} prints them; a run trained with --features whole needs only the image`
      : '  needs only the decoded image (RGB bytes, height × width × 3)',
  ].join('\n');
}

/**
 * `qc features`: one JSON line per file, in the order given: `{"file", "inputs": {name: {"shape",
 * "data"}}}` (the float32 values as JSON numbers, exact), or `{"file", "error"}`.
 */
export function formatModelInputs(r: ResultOf<'export.features'>): string {
  return r.images.map((i) => JSON.stringify(i.error === undefined ? { file: i.file, run_id: r.run_id, inputs: i.inputs ?? {} } : { file: i.file, run_id: r.run_id, error: i.error })).join('\n');
}

export function formatGraphs(r: GraphsExportSummary): string {
  return [`Run ${r.run_id}: ${r.fit.verdict} — ${r.fit.reason}`, ...r.files.map((f) => `  ${f}`)].join('\n');
}

export function formatBestRuns(r: { runs: RankedRun[]; archived: number[] }): string {
  if (!r.runs.length) return 'No finished runs yet: qc train';
  const rows = r.runs.map((x) => {
    const trained = x.metrics?.test_auc;
    const now = x.auc_now.auc;
    const acc = x.metrics?.test_accuracy;
    // Ranked by the AUC with today's labels (as the active run is chosen); the figure of the day it trained beside it where they differ.
    const aucText =
      now !== null
        ? `${now.toFixed(3)}${trained != null && trained.toFixed(3) !== now.toFixed(3) ? ` (${trained.toFixed(3)} with the labels it trained on)` : ''}`
        : trained == null
          ? '—'
          : trained.toFixed(3);
    return `${String(x.rank).padStart(2)}. run ${x.run_id}${x.active ? '*' : ''}${x.archived ? ' (archived)' : ''}  AUC ${aucText}  accuracy ${acc == null ? '—' : `${(acc * 100).toFixed(1)}%`}  ${x.params.features.join('+')}  ${x.fit.verdict}: ${x.fit.reason}`;
  });
  return [...rows, ...(r.archived.length ? [`archived (hidden, not deleted; qc archive --restore ID): ${r.archived.join(', ')}`] : [])].join('\n');
}

export function registerSeedFileCommands(program: Command, withCore: WithCore): void {
  program
    .command('export-training')
    .description("write the seed's training folders (images/1..5, images/agg/bad|good) and per-class download lists into a new or empty folder")
    .argument('<dir>', 'a new or empty folder')
    .option('--sample <n>', 'size of the random sample lists (one_download_7k.txt …)', numberOption('--sample', training.sample), DEFAULT_SAMPLE)
    .option('--seed <n>', 'seed of the samples', numberOption('--seed', training.seed), 0)
    .action(async (dir: string, o: { sample: number; seed: number }, cmd: Command) =>
      withCore(cmd, (core, signal, onProgress) => core.call('export.training', { outDir: localPath(dir), sample: o.sample, seed: o.seed }, { signal, onProgress }), formatTrainingExport),
    );

  program
    .command('export-model')
    .description('write a run as one ONNX model (p(bad) out) with a JSON card')
    .argument('<run-id>', 'run id, or active', modelRunArg)
    .argument('<dir>', 'output folder')
    .action(async (runId: number | 'active', dir: string, _o, cmd: Command) =>
      withCore(cmd, (core, signal, onProgress) => core.call('export.model', { outDir: localPath(dir), ...(runId !== 'active' && { runId }) }, { signal, onProgress }), formatModelExport),
    );

  program
    .command('features')
    .description("print the extra inputs a run's exported model needs (crops, signals, defects) for image files, one JSON line per file")
    .argument('<files...>', 'image files')
    .option('--run <id>', 'run id (default: the active run)', numberOption('--run', API_SCHEMAS['export.features'].shape.runId))
    .action(async (files: string[], o: { run?: number }, cmd: Command) => {
      let failed = false;
      await withCore(
        cmd,
        async (core, signal, onProgress) => {
          const r = await core.call('export.features', { files: files.map(localPath), ...(o.run !== undefined && { runId: o.run }) }, { signal, onProgress });
          failed = r.images.some((i) => i.error !== undefined);
          return r;
        },
        formatModelInputs,
      );
      // Every line is printed, but a script must not take a file that could not be read for a result.
      if (failed && !process.exitCode) process.exitCode = 1;
    });

  program
    .command('archive')
    .description('archive runs (hidden from qc runs and the runs table, never deleted), or restore them')
    .argument('<run-ids...>', 'run ids')
    .option('--restore', 'bring archived runs back')
    .action(async (ids: string[], o: { restore?: boolean }, cmd: Command) =>
      withCore(
        cmd,
        (core) => core.call('ml.archiveRuns', { runIds: ids.map(archivedId), archived: !o.restore }),
        (r) => (r.changed.length ? `${o.restore ? 'restored' : 'archived'}: ${r.changed.join(', ')}` : 'nothing changed'),
      ),
    );
}
