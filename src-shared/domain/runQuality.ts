/**
 * How well a run learned, read off its epoch curves the way the seed's curator read the train
 * graphs (Step 2 kept the N best attempts "by accuracy and by how well they learned"), and the
 * ranking of runs by held-out AUC. Pure: the CLI, the Train screen and the graph export share it.
 */
import type { EpochStats, RunSummary } from './ml';

export type FitVerdict = 'good fit' | 'overfitting' | 'underfitting' | 'unknown';

export interface FitAssessment {
  verdict: FitVerdict;
  /** One sentence a curator reads. */
  reason: string;
  /** Epoch of the lowest validation loss, when there is a validation curve. */
  best_epoch: number | null;
}

/** Validation loss this much above its minimum (relative) at the end counts as rising. */
export const RISE_TOLERANCE = 0.1;
/** Train accuracy minus validation accuracy at the end above this is a large gap. */
export const GAP_TOLERANCE = 0.1;
/** Train accuracy below this at the end: the head did not fit even its training data. */
export const UNDERFIT_ACCURACY = 0.75;

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function assessFit(epochs: readonly EpochStats[]): FitAssessment {
  if (epochs.length < 2) return { verdict: 'unknown', reason: 'too few epochs to tell', best_epoch: null };
  const last = epochs[epochs.length - 1]!;
  const first = epochs[0]!;
  const withVal = epochs.filter((e) => e.valLoss !== undefined && Number.isFinite(e.valLoss));
  let best: EpochStats | null = null;
  for (const e of withVal) if (!best || e.valLoss! < best.valLoss!) best = e;
  const bestEpoch = best?.epoch ?? null;

  if (last.trainAccuracy < UNDERFIT_ACCURACY && last.trainLoss >= first.trainLoss * 0.9) {
    return { verdict: 'underfitting', reason: `training accuracy ended at ${pct(last.trainAccuracy)} and training loss barely fell: the head is too weak or trained too briefly`, best_epoch: bestEpoch };
  }
  if (best && last.valLoss !== undefined) {
    const trainFalling = last.trainLoss < (epochs.find((e) => e.epoch === best!.epoch)?.trainLoss ?? first.trainLoss);
    const rise = (last.valLoss - best.valLoss!) / Math.max(best.valLoss!, 1e-9);
    if (best.epoch < last.epoch && rise > RISE_TOLERANCE && trainFalling) {
      return {
        verdict: 'overfitting',
        reason: `validation loss was lowest at epoch ${best.epoch} and rose ${Math.round(rise * 100)}% by epoch ${last.epoch} while training loss kept falling`,
        best_epoch: bestEpoch,
      };
    }
  }
  if (last.valAccuracy !== undefined) {
    const gap = last.trainAccuracy - last.valAccuracy;
    if (gap > GAP_TOLERANCE) {
      return { verdict: 'overfitting', reason: `training accuracy ${pct(last.trainAccuracy)} vs validation ${pct(last.valAccuracy)}: a ${Math.round(gap * 100)}-point gap`, best_epoch: bestEpoch };
    }
  }
  if (last.trainAccuracy < UNDERFIT_ACCURACY) {
    return { verdict: 'underfitting', reason: `training accuracy ended at ${pct(last.trainAccuracy)}: the head does not fit its training data`, best_epoch: bestEpoch };
  }
  if (!withVal.length) return { verdict: 'unknown', reason: 'no validation curve to compare with', best_epoch: null };
  return { verdict: 'good fit', reason: 'validation loss did not rise and validation accuracy follows training accuracy', best_epoch: bestEpoch };
}

/**
 * A run's ROC AUC on its held-out scores of the test split with today's labels (RunStore
 * heldoutAucNow): what the rule that picks the active run compares (runs.ts activateIfBetter), where
 * `metrics.test_auc` is the figure of the day it trained. `auc` null when those images are not of
 * both labels.
 */
export interface AucNow {
  auc: number | null;
  images: number;
}

/** A run in the N-best list: its rank by held-out AUC and how well it learned. */
export interface RankedRun extends RunSummary {
  rank: number;
  fit: FitAssessment;
  auc_now: AucNow;
}

export interface RankableRun {
  run_id: number;
  status: string;
  metrics: { test_auc?: number | null; test_accuracy?: number | null } | null;
}

/**
 * Finished runs, best first: held-out AUC, then held-out accuracy, then the newer run. Runs
 * without a held-out AUC come last. `aucNow`, when given, is the AUC ranked by (with today's
 * labels, as the active run is chosen: after a curator's relabels the figures of the day each run
 * trained ranked them in the opposite order); a run without one there falls back to its own.
 */
export function rankRuns<R extends RankableRun>(runs: readonly R[], aucNow?: ReadonlyMap<number, AucNow>): R[] {
  const key = (r: R) => [aucNow?.get(r.run_id)?.auc ?? r.metrics?.test_auc ?? -1, r.metrics?.test_accuracy ?? -1, r.run_id] as const;
  return runs
    .filter((r) => r.status === 'done')
    .slice()
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return kb[i]! - ka[i]!;
      return 0;
    });
}

// ---------------------------------------------------------------------------------------------
// What the seed's files export returns (`export.training`, `export.model`, `export.graphs`, `ml.bestRuns`).

export interface TrainingExportSummary {
  dir: string;
  /** Files under images/1 … 5, by rating class. */
  by_class: Record<'1' | '2' | '3' | '4' | '5', number>;
  /** Files under images/agg/bad|good. */
  agg: { bad: number; good: number };
  /**
   * Files written: copies of the library's originals (a reflink where the file system has them),
   * never hard links, which an editor of the export would have changed the library through.
   */
  copied: number;
  lists: string[];
  /** Rated images a curator marked "no label": the folders cannot say that. */
  curator_unlabelled: number;
  /**
   * Pictures of images/agg/ a curator labelled, listed in `curator_labels.tsv` beside the folders
   * (`qc import DIR` makes them curator labels again). Absent when none.
   */
  curator_labels?: number;
  /** Images whose original file is missing from the library (not exported). */
  missing: number;
  /**
   * Images whose original no longer matches the size and sha256 the library recorded (emptied,
   * truncated, replaced): not exported, so no other picture goes out under their name and label.
   */
  damaged: number;
  /** The first of them (up to 100), each with its original's path and what is wrong with it. */
  damaged_files: { image_id: number; path: string; why: string }[];
  /** URLs left out of the download lists because they hold a line break (a reader would split them into two). */
  urls_skipped: number;
}

/** What a training-folder export left out, in words (the CLI and the Export screen say the same). */
/**
 * What the folder's `curator_labels.tsv` carries, for the CLI's summary and the Export screen (one
 * sentence for both), or null when no curator label was written.
 */
export function curatorManifestNote(r: Pick<TrainingExportSummary, 'curator_labels'>): string | null {
  const n = r.curator_labels ?? 0;
  if (!n) return null;
  return `${n} curator ${n === 1 ? 'label is' : 'labels are'} listed in curator_labels.tsv: importing this folder into a library makes ${n === 1 ? 'it a curator label' : 'them curator labels'} again`;
}

export function trainingExportWarnings(r: TrainingExportSummary): string[] {
  return [
    ...(r.missing ? [`${r.missing} images have no original file in the library: left out of the image folders (their URLs are in the download lists)`] : []),
    ...(r.damaged
      ? [
          `${r.damaged} images have an original that no longer matches the library's record (size or sha256): left out of the image folders (their URLs are in the download lists); ${r.damaged_files
            .slice(0, 3)
            .map((f) => `image ${f.image_id}, ${f.path}: ${f.why}`)
            .join('; ')}${r.damaged > 3 ? '; …' : ''}`,
        ]
      : []),
    ...(r.urls_skipped ? [`${r.urls_skipped} URLs hold a line break and were left out of the download lists (a reader would split each into two URLs)`] : []),
  ];
}

export interface ModelExportSummary {
  run_id: number;
  dir: string;
  model: string;
  card: string;
  inputs: { name: string; dtype: 'uint8' | 'float32'; shape: (number | string)[] }[];
  /** Feature blocks the model needs as inputs besides the image (empty for a whole-image run). */
  extra_inputs: string[];
  bytes: number;
}

export interface GraphsExportSummary {
  run_id: number;
  files: string[];
  fit: FitAssessment;
}
