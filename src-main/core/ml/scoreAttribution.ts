/**
 * Why the active run scored an image as it did, for the preview: the image's cached feature row
 * through train/attribution.ts, with one part per quality-signal group (SIGNAL_GROUPS), one for the
 * defect net's patch block ('defect_patterns') and one for the backbone's appearance features
 * (whole image and crops). Runs' heads are parsed once and kept
 * (a preview is opened often; an MLP head's JSON is megabytes).
 *
 * It always explains the run's final model. That is the score a test, unlabelled or classified
 * image is shown with, but a train or validation image is shown (and thresholded, and tagged) with
 * its out-of-fold p(bad): the mean over `oofRepeats` repetitions of the fold model that never
 * trained on it. The run keeps none of them (k folds × 1–3 repetitions, up to 15 heads, an MLP
 * head's of megabytes; and their mean is not one model to occlude), so for such an image the
 * attribution says so (`shown_score`) and the preview names both numbers rather than presenting
 * the final model's score as the one shown.
 */
import type { ScoreAttribution } from '../../../src-shared/domain/library';
import type { Db } from '../db/open';
import { assembleMatrix, blockStart, distanceSpec } from './dataset';
import { featureKey } from './embed';
import { FeatureStore } from './featureStore';
import type { RunStore } from './runs';
import { attribute, type AttributionPart } from './train/attribution';
import { headInputWidth } from './train/predict';

export class ScoreExplainer {
  private cached: { runId: number; model: ReturnType<RunStore['model']> } | null = null;
  private readonly store: FeatureStore;

  constructor(
    private readonly db: Db,
    private readonly runs: Pick<RunStore, 'model'>,
  ) {
    this.store = new FeatureStore(db);
  }

  /**
   * `shown`: the image's stored p(bad) under the run and whether it is out of fold (runs.ts
   * `outOfFoldSql`), which says whether the final model's score explained here is the one shown.
   */
  explain(runId: number, sha: string, shown: { p_bad: number; outOfFold: boolean }): ScoreAttribution | null {
    if (this.cached?.runId !== runId) {
      // A run without a head (its predictions imported from tag files) has nothing to explain.
      if (!(this.db.prepare('SELECT model IS NOT NULL AS has FROM runs WHERE id = ?').get(runId) as { has: number } | undefined)?.has) return null;
      this.cached = { runId, model: this.runs.model(runId) };
    }
    const { params, head } = this.cached.model;
    const store = this.store;
    if (!params.features.every((s) => store.has(sha, featureKey(s, params.backbone)))) return null;
    const m = assembleMatrix(store, [sha], params.features, params.backbone);
    if (m.d !== headInputWidth(head)) return null;
    // Where the signals block sits and its groups: the layout the distance block uses (dataset.ts).
    const block = distanceSpec(m, params.features);
    const parts: AttributionPart[] = (block?.groups ?? []).map((g) => ({ name: g.name, columns: g.columns.map((c) => block!.start + c) }));
    // The defect net's block (features/defects.ts) is a part of its own: what its patches look like.
    const defects = blockStart(m, params.features, 'defects');
    if (defects >= 0) parts.push({ name: 'defect_patterns', columns: Array.from({ length: m.widths.defects }, (_, j) => defects + j) });
    const own = new Set(parts.flatMap((p) => p.columns));
    const appearance: number[] = [];
    for (let j = 0; j < m.d; j++) if (!own.has(j) && (!block || j < block.start || j >= block.start + block.width)) appearance.push(j);
    if (appearance.length) parts.push({ name: 'appearance', columns: appearance });
    if (!parts.length) return null;
    const r = attribute(head, m.x, parts);
    // The stored score is the final model's rounded to 6 decimals (runs.ts putPredictions), computed
    // in float32: one unit of the last decimal covers both.
    const same = Math.abs(r.pBad - shown.p_bad) <= 1e-6;
    const shownScore = shown.outOfFold ? 'out_of_fold' : same ? 'final_model' : 'other';
    return { run_id: runId, p_bad: r.pBad, shown_score: shownScore, parts: r.parts };
  }
}
