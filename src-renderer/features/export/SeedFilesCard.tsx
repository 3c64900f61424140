/** Export → Files for other tools: the seed's training folders and a run as an ONNX model. */
import { curatorManifestNote, trainingExportWarnings, type ModelExportSummary, type TrainingExportSummary } from '../../../src-shared/domain/runQuality';
import { fmtInt } from '../../components/format';
import { useApp, useAppStore } from '../../stores/app';
import type { SeedFilesForm } from '../../stores/exportSlice';

function TrainingResult({ r }: { r: TrainingExportSummary }) {
  return (
    <div className="result small" data-testid="training-export-result" data-files={Object.values(r.by_class).reduce((a, b) => a + b, 0) + r.agg.bad + r.agg.good}>
      <div>
        <code>{r.dir}</code>: images/1–5 {Object.values(r.by_class).map(fmtInt).join(' / ')} · agg {fmtInt(r.agg.bad)} bad, {fmtInt(r.agg.good)} good · {fmtInt(r.copied)} copies · {r.lists.length} download lists
      </div>
      {curatorManifestNote(r) && (
        <div className="muted" data-testid="training-export-curator">
          {curatorManifestNote(r)}
        </div>
      )}
      {r.curator_unlabelled > 0 && <div className="muted">{fmtInt(r.curator_unlabelled)} rated images you unlabelled sit in their rating folder only (the layout cannot say “no label”).</div>}
      {trainingExportWarnings(r).map((w) => (
        <div key={w} className="warn" data-testid="training-export-warning">
          {w}
        </div>
      ))}
    </div>
  );
}

function ModelResult({ r }: { r: ModelExportSummary }) {
  return (
    <div className="result small" data-testid="model-export-result" data-run={r.run_id}>
      <div>
        Run {r.run_id}: <code>{r.model}</code> ({(r.bytes / 1e6).toFixed(1)} MB) and <code>{r.card}</code>
      </div>
      <div className="muted">
        {r.extra_inputs.length
          ? `Besides the image it needs the ${r.extra_inputs.join(' and ')} features, computed outside ONNX: the card says how.`
          : 'Needs only the decoded image (RGB bytes); the README has a Python example.'}
      </div>
    </div>
  );
}

export function SeedFilesCard() {
  const store = useAppStore();
  const activeRun = useApp((s) => s.runs.find((r) => r.active)?.run_id ?? null);
  // In the store (exportSlice), like the other export forms: leaving the screen keeps the folders
  // typed, the running export (its button stays disabled) and its result.
  const form = useApp((s) => s.seedForm);
  const busy = useApp((s) => (s.trainingJobId !== null ? 'training' : s.modelJobId !== null ? 'model' : null));
  const training = useApp((s) => s.lastTraining);
  const model = useApp((s) => s.lastModel);
  const set = (patch: Partial<SeedFilesForm>) => store.getState().setSeedForm(patch);

  return (
    <section className="card" data-testid="seed-files">
      <h3>Files for other tools</h3>
      <p className="muted small">
        The seed&apos;s training folders (images/1–5 by rating, images/agg/bad|good by label, never re-encoded) with per-class download lists, and the active run as an ONNX model with its card and train graphs.
      </p>
      <form
        className="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          void store.getState().startTrainingExport();
        }}
      >
        <label className="field field--grow">
          <span className="field__label">Training folders into (new or empty folder)</span>
          <input className="input" value={form.trainingDir} placeholder="/data/eol/training" onChange={(e) => set({ trainingDir: e.target.value })} data-testid="training-export-dir" spellCheck={false} />
        </label>
        <label className="field">
          <span className="field__label">Sample lists of</span>
          <input className="input input--num" type="number" min={1} value={form.sample} onChange={(e) => set({ sample: e.target.value })} data-testid="training-export-sample" />
        </label>
        <button type="submit" className="btn" disabled={busy !== null} data-testid="training-export-start">
          {busy === 'training' ? 'Exporting…' : 'Export training folders'}
        </button>
      </form>
      {training && <TrainingResult r={training} />}
      <form
        className="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          void store.getState().startModelExport();
        }}
      >
        <label className="field field--grow">
          <span className="field__label">Model of the active run{activeRun !== null ? ` (run ${activeRun})` : ''} into</span>
          <input className="input" value={form.modelDir} placeholder="/data/eol/models/run" onChange={(e) => set({ modelDir: e.target.value })} data-testid="model-export-dir" spellCheck={false} />
        </label>
        <button type="submit" className="btn" disabled={busy !== null || activeRun === null} data-testid="model-export-start" title={activeRun === null ? 'Train a run first' : undefined}>
          {busy === 'model' ? 'Exporting…' : 'Export model'}
        </button>
      </form>
      {model && <ModelResult r={model} />}
    </section>
  );
}
