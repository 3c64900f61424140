/** `qc embed | train | cancel | runs | run | use | issues | classify | export | threshold`: the ML engine from the command line. */
import { parseShard, type Shard } from '../core/ml/shard';
import type { Command } from 'commander';
import { DEFAULT_AUGMENT, DEFAULT_TRAIN_PARAMS, FEATURE_SETS, type FeatureSet, type TrainRequest } from '../../src-shared/domain/ml';
import { parseMirror } from '../core/library/importer';
import { formatImport as formatImportLine, KEPT_WHEN_CANCELLED } from './format';
import { formatCancel, formatClassify, formatDemo, formatEmbed, formatExport, formatIssues, formatReview, formatRun, unlabelledWhy, formatRuns, formatSetThreshold, formatUse, type ThresholdLeft, type TrainExtras } from './formatMl';
import { formatBestRuns, formatGraphs } from './seedFiles';
import type { WithCore } from './main';
import type { Core } from '../core/app';
import { QcError } from '../../src-shared/contract/errors';
import { API_SCHEMAS, id, importOptions, probability, trainOptions } from '../../src-shared/contract/schemas';
import { distinct, listItems, localPath, numberOption, optionValue, sourceArg, usage } from './options';
import { loadManifest } from '../core/ml/backbone/manifest';
import { defaultModelsDir } from '../core/app';

// Option values obey the API's schemas (options.ts, src-shared/contract/schemas.ts): a wrong one is
// one line naming the option.
const train = trainOptions;
const runId = (name: string) => numberOption(name, id);
/** `--features a,b`: known feature sets, each once, at least one (refused naming the option, not as the API's field). */
const features = (v: string): FeatureSet[] => {
  const sets = listItems('--features', v);
  if (!sets.length) throw usage(`--features: name at least one feature set (choose from ${FEATURE_SETS.join(', ')})`);
  for (const s of sets) if (!FEATURE_SETS.includes(s as FeatureSet)) throw usage(`--features: unknown feature set "${s}" (choose from ${FEATURE_SETS.join(', ')})`);
  return distinct('--features', sets as FeatureSet[], v);
};

/**
 * `--backbone ID`: one of the ids of the backbone manifest (resources/models/backbones.json, read
 * by the core's loader, as `ml.embed` and `ml.train` read it), else a usage error naming the option
 * and the ids, before the library is opened. A manifest that cannot be read is left to the core,
 * which says what is wrong with it.
 */
async function backboneOption(id: string | undefined): Promise<void> {
  if (id === undefined) return;
  const manifest = await loadManifest(defaultModelsDir()).catch(() => null);
  if (manifest && !manifest.backbones.some((b) => b.id === id)) throw usage(`--backbone: unknown backbone "${id}" (choose from ${manifest.backbones.map((b) => b.id).join(', ')})`);
}

/** `--shard K/N`: parsed as the core parses it, and N within what `ml.classify` takes, said of the option. */
const shardN = API_SCHEMAS['ml.classify'].shape.shard.unwrap().shape.n;
const shardOption = (text: string): Shard => {
  const shard = optionValue('--shard', parseShard)(text);
  const max = shardN.maxValue;
  if (max !== null && shard.n > max) throw usage(`--shard: N must be at most ${max.toLocaleString('en')}, got "${text}"`);
  return shard;
};
const collect = (value: string, prev: string[]) => [...prev, value];
/** A comma-separated list of image ids. */
const imageIds = (name: string) => (v: string) => {
  const ids = v.split(',').filter((x) => x.trim()).map((x) => numberOption(name, id)(x.trim()));
  if (!ids.length) throw usage(`${name}: name at least one image id`);
  return ids;
};

/** The active run and its curator threshold, if it has one (null: no active run). */
async function activeCuratorThreshold(core: Core): Promise<ThresholdLeft | null> {
  const active = await core.call('ml.run', {}).catch(() => null);
  return active && active.curator_threshold != null ? { run_id: active.run_id, threshold: active.curator_threshold } : null;
}

/**
 * The curator threshold of the run active before that stays with it now that run `active` is the
 * active one (each run keeps its own: runs.ts), or null when none was left behind.
 */
function leftWith(before: ThresholdLeft | null, active: number | null): ThresholdLeft | null {
  return before && active !== null && before.run_id !== active ? before : null;
}

export function registerMlCommands(program: Command, withCore: WithCore): void {
  program
    .command('demo')
    .description('load the bundled demo library (real photos with their EOL ratings and their features, which ship with it) and train a first run')
    .option('--no-train', 'import only')
    .action(async (o: { train: boolean }, cmd: Command) =>
      withCore(cmd, (core, signal, onProgress) => core.call('demo.load', { train: o.train }, { signal, onProgress }), (r) => formatDemo(r, formatImportLine(r.import))),
    );

  program
    .command('embed')
    .description('compute the cached features of every image (backbone embeddings, native-resolution crops, quality signals)')
    .option('--features <sets>', `comma-separated: ${FEATURE_SETS.join(', ')}`, features)
    .option('--backbone <id>', 'backbone id from resources/models/backbones.json')
    .option('--batch-size <n>', 'images per backbone batch', numberOption('--batch-size', API_SCHEMAS['ml.embed'].shape.batchSize))
    .action(async (o: { features?: FeatureSet[]; backbone?: string; batchSize?: number }, cmd: Command) => {
      await backboneOption(o.backbone);
      return withCore(cmd, (core, signal, onProgress) => core.call('ml.embed', { ...(o.features && { features: o.features }), ...(o.backbone && { backbone: o.backbone }), ...(o.batchSize && { batchSize: o.batchSize }) }, { signal, onProgress }), formatEmbed, { kept: KEPT_WHEN_CANCELLED.embed });
    });

  program
    .command('train')
    .description('train a classifier head on the current labels (a new run; the defaults are the best measured)')
    .option('--features <sets>', `comma-separated: ${FEATURE_SETS.join(', ')}`, features)
    .option('--backbone <id>', 'backbone id from resources/models/backbones.json (its features are embedded first when missing)')
    .option('--hidden <n>', 'hidden units (0 = linear head)', numberOption('--hidden', train.hidden))
    .option('--dropout <x>', 'dropout on the hidden layer', numberOption('--dropout', train.dropout))
    .option('--l2 <x>', 'L2 penalty', numberOption('--l2', train.l2))
    .option('--lr <x>', 'learning rate (Adam)', numberOption('--lr', train.learningRate))
    .option('--epochs <n>', 'epochs', numberOption('--epochs', train.epochs))
    .option('--batch-size <n>', 'mini-batch size', numberOption('--batch-size', train.batchSize))
    .option('--no-class-weighting', 'do not balance the classes')
    .option('--seed <n>', 'seed for splits, initial weights and shuffling', numberOption('--seed', train.seed))
    .option('--signals-weight <x>', 'weight of the quality-signal columns after standardising', numberOption('--signals-weight', train.signalsWeight))
    .option('--defects-weight <x>', "weight of the defect net's columns after standardising", numberOption('--defects-weight', train.defectsWeight))
    .option('--target-error <x>', 'error bound for recommended thresholds', numberOption('--target-error', train.targetError))
    .option('--folds <n>', 'folds for out-of-fold predictions', numberOption('--folds', train.folds))
    .option('--groups <FILE:COLUMN>', 'explicit duplicate groups: a TSV with an id column and COLUMN (e.g. truth.tsv:source_file)')
    .option('--noise <mode>', `prune: leave probably-wrong labels out of the final fit (confident learning); none: train on all (default ${DEFAULT_TRAIN_PARAMS.noise})`, (v: string) => {
      if (v !== 'prune' && v !== 'none') throw usage(`--noise must be prune or none, got "${v}"`);
      return v;
    })
    .option('--no-label-weights', 'weigh every label 1 instead of by its confidence from the ratings')
    .option('--augment <n>', `synthetic examples: N distorted copies (bad) and N/2 benign edits (good) of each train-split good image, training only; 0 = off (default ${DEFAULT_AUGMENT})`, numberOption('--augment', train.augment))
    .action(
      async (
        o: { features?: FeatureSet[]; backbone?: string; hidden?: number; dropout?: number; l2?: number; lr?: number; epochs?: number; batchSize?: number; classWeighting: boolean; seed?: number; signalsWeight?: number; defectsWeight?: number; targetError?: number; folds?: number; groups?: string; noise?: 'prune' | 'none'; labelWeights: boolean; augment?: number },
        cmd: Command,
      ) => {
        const req: TrainRequest = {
          ...(o.features && { features: o.features }),
          ...(o.backbone && { backbone: o.backbone }),
          ...(o.hidden !== undefined && { hidden: o.hidden }),
          ...(o.dropout !== undefined && { dropout: o.dropout }),
          ...(o.l2 !== undefined && { l2: o.l2 }),
          ...(o.lr !== undefined && { learningRate: o.lr }),
          ...(o.epochs !== undefined && { epochs: o.epochs }),
          ...(o.batchSize !== undefined && { batchSize: o.batchSize }),
          ...(o.classWeighting === false && { classWeighting: false }),
          ...(o.seed !== undefined && { seed: o.seed }),
          ...(o.signalsWeight !== undefined && { signalsWeight: o.signalsWeight }),
          ...(o.defectsWeight !== undefined && { defectsWeight: o.defectsWeight }),
          ...(o.targetError !== undefined && { targetError: o.targetError }),
          ...(o.folds !== undefined && { folds: o.folds }),
          ...(o.noise !== undefined && { noise: o.noise }),
          ...(o.labelWeights === false && { labelWeights: false }),
          augment: o.augment ?? DEFAULT_AUGMENT,
        };
        await backboneOption(o.backbone);
        if (o.groups) {
          const at = o.groups.lastIndexOf(':');
          if (at <= 0) throw usage('--groups wants FILE:COLUMN, e.g. truth.tsv:source_file');
          req.groups = { file: localPath(o.groups.slice(0, at)), groupColumn: o.groups.slice(at + 1) };
        }
        // What the text adds to the run's summary: the labels noise-robust training left out (qc run
        // lists them), and the curator threshold of the run active before, which stays with it.
        const extras: TrainExtras = {};
        await withCore(
          cmd,
          async (core, signal, onProgress) => {
            const before = await activeCuratorThreshold(core);
            const run = await core.call('ml.train', req, { signal, onProgress });
            if (run.active) extras.left = leftWith(before, run.run_id);
            if (run.status === 'done') {
              const noise = (await core.call('ml.run', { runId: run.run_id }).catch(() => null))?.evaluation?.noise;
              if (noise) extras.noise = { handling: noise.handling, pruned: noise.pruned.length };
            }
            return run;
          },
          (run) => formatRun(run, extras),
          // Cancelled from elsewhere (the app, `qc cancel`): printed as after Ctrl-C ("Cancelled: ",
          // "cancelled": true, exit 130), so a script's `qc train && qc export` does not go on as if
          // a new model had been trained.
          { cancelled: (run) => run.status === 'cancelled' },
        );
      },
    );

  program
    .command('cancel')
    .description('cancel the training under way on this library, wherever it runs (the app, qc serve, another qc train), or run RUN-ID; says what was cancelled or that nothing was training')
    .argument('[run-id]', 'the run to cancel (default: the one training)', runId('run-id'))
    .action(async (id: number | undefined, _o, cmd: Command) => withCore(cmd, (core, signal) => core.call('ml.cancelTraining', id !== undefined ? { runId: id } : {}, { signal }), formatCancel));

  program
    .command('runs')
    .description('list training runs side by side; --best N ranks the finished ones by held-out AUC with an over-fitting verdict')
    .option('--best <n>', 'the N best finished runs, with how well each learned', numberOption('--best', API_SCHEMAS['ml.bestRuns'].shape.n))
    .option('--archive-rest', 'with --best: archive every other finished run (hidden, never deleted)')
    .option('--all', 'include archived runs')
    .action(async (o: { best?: number; archiveRest?: boolean; all?: boolean }, cmd: Command) => {
      if (o.archiveRest && o.best === undefined) throw usage('--archive-rest needs --best N');
      if (o.best !== undefined) return withCore(cmd, (core) => core.call('ml.bestRuns', { n: o.best!, archiveRest: o.archiveRest ?? false }), formatBestRuns);
      return withCore(cmd, (core) => core.call('ml.runs', { all: o.all ?? false }), formatRuns);
    });

  program
    .command('run')
    .description('show one run (default: the active one) with its evaluation')
    .argument('[run-id]', 'run id', runId('run-id'))
    .option('--graphs <dir>', 'write its loss and accuracy curves as SVG and PNG into DIR')
    .action(async (runId: number | undefined, o: { graphs?: string }, cmd: Command) =>
      o.graphs
        ? withCore(cmd, (core, signal) => core.call('export.graphs', { outDir: localPath(o.graphs!), ...(runId !== undefined && { runId }) }, { signal }), formatGraphs)
        : withCore(cmd, (core) => core.call('ml.run', runId !== undefined ? { runId } : {}), formatRun),
    );

  program
    .command('use')
    .description('make a run the active one (`latest`: the newest finished run now; a later run takes over only when it is better on the held-out test images)')
    .argument('<run-id>', 'run id or latest')
    .action(async (id: string, _o, cmd: Command) => {
      let useText: { recommended: number | null; left: ThresholdLeft | null } = { recommended: null, left: null };
      return withCore(
        cmd,
        async (core) => {
          const n = id === 'latest' ? null : runId('run-id')(id);
          const before = await activeCuratorThreshold(core);
          let active: number | null;
          try {
            ({ active } = await core.call('ml.setActive', { runId: n }));
          } catch (e) {
            // An archived run is refused: say how to bring it back.
            const archived = n !== null && e instanceof QcError && e.code === 'bad_input' && (await core.call('ml.run', { runId: n }).catch(() => null))?.archived;
            if (archived) throw new QcError('bad_input', `${e.message}: qc archive ${n} --restore, then qc use ${n}`);
            throw e;
          }
          // The threshold belongs to the run: say what exports use now, and where a curator's threshold stayed.
          const run = active === null ? null : await core.call('ml.run', { runId: active }).catch(() => null);
          useText = { recommended: run?.recommended_threshold.bad ?? null, left: leftWith(before, active) };
          return { active, in_force: run?.in_force ?? null };
        },
        (r) => formatUse(r, useText.recommended, useText.left),
      );
    });

  program
    .command('issues')
    .description('images whose label is probably wrong (confident learning on held-out predictions), most suspicious first')
    .option('--run <id>', 'run id (default: the active run)', runId('--run'))
    .option('--limit <n>', 'at most this many', numberOption('--limit', API_SCHEMAS['ml.labelIssues'].shape.limit), 50)
    .option('--all', 'also list the ones confirmed, dismissed or relabelled since')
    .option('--confirm <ids>', 'the labels of these images (comma-separated) are right: never listed or pruned again while unchanged', imageIds('--confirm'))
    .option('--dismiss <ids>', 'take these images off the queue (remembered across retrains while the label stays)', imageIds('--dismiss'))
    .option('--reopen <ids>', 'forget the verdict on these images', imageIds('--reopen'))
    .action(async (o: { run?: number; limit: number; all?: boolean; confirm?: number[]; dismiss?: number[]; reopen?: number[] }, cmd: Command) => {
      const verdicts = (['confirm', 'dismiss', 'reopen'] as const).filter((a) => o[a]);
      if (verdicts.length > 1) throw usage('use one of --confirm, --dismiss, --reopen at a time');
      const action = verdicts[0];
      // A verdict is on the image and its label, kept across runs and retrains: a run is no part of it.
      if (action && o.run !== undefined) throw usage(`--run does not go with --${action}: a verdict is on the image's label, whatever the run`);
      if (action) {
        return withCore(
          cmd,
          async (core) => {
            const r = await core.call('ml.reviewIssues', { imageIds: o[action]!, action });
            // Nothing stored at all, because no image named has a label: a refusal (exit 1), not "0 images confirmed".
            if (r.changed === 0 && r.unlabelled?.length) throw new QcError('bad_input', `nothing was ${action}ed: ${unlabelledWhy(r.unlabelled)}`);
            return r;
          },
          (r) => formatReview(action, r),
        );
      }
      return withCore(
        cmd,
        async (core) => {
          // A run that did not finish has no label issues to list: said as qc use and export --run say it (exit 1), not "no open label issues".
          if (o.run !== undefined) {
            const { status } = await core.call('ml.run', { runId: o.run });
            if (status !== 'done') throw new QcError('bad_input', `run ${o.run} did not finish (${status}); only a finished run has label issues`);
          }
          return core.call('ml.labelIssues', { ...(o.run !== undefined && { runId: o.run }), limit: o.limit, includeReviewed: o.all ?? false });
        },
        formatIssues,
      );
    });

  program
    .command('threshold')
    .description('set the p(bad) threshold for final tags (`auto`: the run\'s recommendation)')
    .argument('<value>', 'a probability in 0..1, or auto')
    .action(async (v: string, _o, cmd: Command) =>
      withCore(cmd, (core) => core.call('ml.setThreshold', { threshold: v === 'auto' ? null : numberOption('threshold', probability)(v) }), formatSetThreshold),
    );

  program
    .command('classify')
    .description('import a bundle, score it with the active run and write <bundle>_a.tsv, … and <bundle>_finaltags.tsv')
    .argument('<bundle>', 'bundle file (TSV with eolMediaURL, or a URL list) or its http(s) URL')
    .requiredOption('--out <dir>', 'folder for the TSVs')
    .option('--mirror <PREFIX=DIR>', 'read URLs starting with PREFIX from files under DIR (repeatable)', collect, [])
    .option('--concurrency <n>', 'parallel downloads, 1-64 (omitted: the importer\'s default)', numberOption('--concurrency', importOptions.concurrency))
    .option('--chunk-rows <n>', 'rows per chunk file', numberOption('--chunk-rows', API_SCHEMAS['ml.classify'].shape.chunkRows))
    .option('--threshold <p>', 'p(bad) threshold for final tags', numberOption('--threshold', probability))
    .option('--run <id>', 'run id (default: the active run)', runId('--run'))
    .option('--shard <K/N>', 'only shard K of N of the bundle rows (by URL hash), for N processes or machines', shardOption)
    .action(async (source: string, o: { out: string; mirror: string[]; concurrency?: number; chunkRows?: number; threshold?: number; run?: number; shard?: Shard }, cmd: Command) =>
      withCore(
        cmd,
        (core, signal, onProgress) =>
          core.call(
            'ml.classify',
            {
              source: sourceArg(source),
              outDir: localPath(o.out),
              mirrors: o.mirror.map(optionValue('--mirror', parseMirror)),
              ...(o.concurrency !== undefined && { concurrency: o.concurrency }),
              ...(o.chunkRows && { chunkRows: o.chunkRows }),
              ...(o.threshold !== undefined && { threshold: o.threshold }),
              ...(o.run !== undefined && { runId: o.run }),
              ...(o.shard && { shard: o.shard }),
            },
            { signal, onProgress },
          ),
        formatClassify,
        { kept: KEPT_WHEN_CANCELLED.classify },
      ),
    );

  program
    .command('export')
    .description('write final tags for the whole library (library_finaltags.tsv) or for a bundle already imported')
    .requiredOption('--out <dir>', 'folder for the TSVs')
    .option('--bundle <id>', 'bundle id (qc sources lists them)', runId('--bundle'))
    .option('--threshold <p>', 'p(bad) threshold', numberOption('--threshold', probability))
    .option('--run <id>', 'run id (default: the active run)', runId('--run'))
    .action(async (o: { out: string; bundle?: number; threshold?: number; run?: number }, cmd: Command) =>
      withCore(
        cmd,
        (core, signal, onProgress) =>
          core.call(
            'export.tags',
            { outDir: localPath(o.out), ...(o.bundle !== undefined && { bundleId: o.bundle }), ...(o.threshold !== undefined && { threshold: o.threshold }), ...(o.run !== undefined && { runId: o.run }) },
            { signal, onProgress },
          ),
        formatExport,
      ),
    );
}
