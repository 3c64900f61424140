/**
 * `npm run report:demo`: load the demo library into a fresh temporary library the way the app does
 * (import, embed, train a first run) and print what a newcomer gets: seconds, held-out AUC, the
 * recommended threshold and how many images it flags, and how many planted label mistakes are in
 * the top 10 label issues.
 *
 *   npx tsx scripts/report-demo.ts [--demo DIR]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, defaultResourcesDir } from '../src-main/core/app';

const args = process.argv.slice(2);
const at = args.indexOf('--demo');
const demoDir = at >= 0 ? path.resolve(args[at + 1]!) : path.join(defaultResourcesDir(), 'demo');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-demo-report-'));
const core = createCore({ dataDir, demoDir });
try {
  const started = performance.now();
  const { import: imp, run } = await core.call('demo.load', {});
  const seconds = (performance.now() - started) / 1000;
  if (!run) throw new Error('no run');
  const [head, ...lines] = fs.readFileSync(path.join(demoDir, 'truth.tsv'), 'utf8').trimEnd().split('\n');
  const cols = head!.split('\t');
  const planted = new Set(lines.map((l) => l.split('\t')).filter((c) => c[cols.indexOf('planted')]).map((c) => c[0]!));
  const issues = await core.call('ml.labelIssues', { runId: run.run_id, limit: 10 });
  const eolIds = await Promise.all(issues.issues.map(async (i) => (await core.call('images.get', { imageId: i.image_id })).sources[0]?.eol_id ?? ''));
  const found = eolIds.filter((id) => planted.has(String(id)));
  const rec = run.thresholds?.bad;
  const m = run.metrics!;
  console.log(`demo: ${imp.images_new} images (${imp.labels.good} good, ${imp.labels.bad} bad, ${imp.labels.unlabeled} unlabelled) ready in ${seconds.toFixed(1)} s on ${os.cpus().length} cores`);
  console.log(`split: train ${JSON.stringify(run.snapshot?.train)} validation ${JSON.stringify(run.snapshot?.validation)} test ${JSON.stringify(run.snapshot?.test)}; ${run.snapshot?.groups} groups`);
  console.log(`held-out test AUC ${m.test_auc?.toFixed(3)} (accuracy ${m.test_accuracy.toFixed(3)}, ${m.test_size} images); out-of-fold AUC ${m.oof_auc?.toFixed(3)}`);
  console.log(
    rec?.threshold != null
      ? `recommended p(bad) threshold ${rec.threshold.toFixed(3)}: ${rec.chosen_on?.flagged} flagged out of fold, ${rec.chosen_on?.fp} errors (bound ${rec.chosen_on?.error_upper.toFixed(3)}); on test: ${JSON.stringify(rec.on_test)}`
      : `no threshold proven: ${rec?.note}`,
  );
  console.log(`planted label mistakes in the top 10 label issues: ${found.length} of ${planted.size} (${found.join(', ')}); top 10: ${eolIds.join(', ')}`);
} finally {
  await core.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
