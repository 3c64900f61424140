import { useEffect, useRef, type ReactNode } from 'react';
import type { ApiClient } from '../../api/client';
import { useApp, useAppStore, useClient, type AppStore } from '../../stores/app';
import { relativeFolderText } from '../../stores/exportSlice';
import { THRESHOLD_SOURCE_WORD } from '../../stores/training';
import { cleanMirrors } from '../../stores/types';
import { BrowseButton } from '../../components/BrowseButton';
import { fmtInt, fmtT } from '../../components/format';
import { MirrorRows } from '../../components/MirrorRows';
import { ProgressBar } from '../../components/ProgressBar';
import type { BundleImportState } from '../../../src-shared/domain/library';
import type { ClassifySummary, ExportSummary } from '../../../src-shared/domain/ml';
import { chunkSuffix, DEFAULT_CHUNK_ROWS } from '../../../src-shared/domain/tags';
import { focusLost } from '../train/focus';
import { SeedFilesCard } from './SeedFilesCard';

function Summary({ s, testId }: { s: ExportSummary; testId: string }) {
  return (
    <div className="result" data-testid={testId} data-rows={s.rows} data-tagged-bad={s.tagged_bad}>
      <div>
        {fmtInt(s.rows)} rows · <b>{fmtInt(s.tagged_bad)}</b> tagged bad · threshold {fmtT(s.in_force.threshold)} ({THRESHOLD_SOURCE_WORD[s.in_force.source]}) · run {s.run_id ?? '–'} · by source: curator{' '}
        {fmtInt(s.by_source.curator)}, model {fmtInt(s.by_source.model)}, none {fmtInt(s.by_source.none)}
      </div>
      <ul className="files" data-testid={`${testId}-files`}>
        {s.files.map((f) => (
          <li key={f}>
            <code>{f}</code>
          </li>
        ))}
      </ul>
      <MergedElsewhere runs={s.merged_other_runs ?? []} testId={`${testId}-merged-elsewhere`} />
    </div>
  );
}

/**
 * Predictions merged from tag files (`qc import` of another machine's output) into a run other than
 * the one exported: the export does not write them (they belong to that run), in words, with what to
 * do. `upTo`: a count the export may not reach (a bundle's preview: the library's, not its rows').
 */
export function mergedElsewhereLine(m: { run_id: number; urls: number }, upTo = false): string {
  const one = m.urls === 1;
  return `${upTo ? 'Up to ' : ''}${fmtInt(m.urls)} prediction${one ? '' : 's'} merged for run #${m.run_id} ${one ? 'is' : 'are'} not in this export: make run #${m.run_id} active to export ${one ? 'it' : 'them'}`;
}

function MergedElsewhere({ runs, testId, upTo = false }: { runs: { run_id: number; urls: number }[]; testId: string; upTo?: boolean }) {
  if (!runs.length) return null;
  return (
    <ul className="warn small" data-testid={testId}>
      {runs.map((m) => (
        <li key={m.run_id} data-run={m.run_id} data-urls={m.urls}>
          {mergedElsewhereLine(m, upTo)}
        </li>
      ))}
    </ul>
  );
}

/**
 * What the next export will write, before it runs: which run's predictions, which files, how many
 * rows, from the library's status and its bundles (the same counts the core's export reads); and
 * what it leaves out: the predictions merged into runs other than the one it exports (the active
 * run). Shown only while the status is of that run (ExportScreen reloads it when another run
 * becomes active). The status counts every URL merged into each run: for the whole library, those
 * of another run are none of them written; for a bundle only its rows' are concerned, hence "up to"
 * (the result says how many). The run's own merged URLs whose image has been imported since are
 * written once, as the image: their count is an upper bound.
 */
function ExportPreview() {
  const status = useApp((s) => s.status);
  const activeRunId = useApp((s) => s.activeRunId);
  const runsLoaded = useApp((s) => s.runsLoaded);
  const form = useApp((s) => s.exportForm);
  const bundles = useApp((s) => s.sources?.bundles ?? null);
  if (!status || !runsLoaded || activeRunId === null || status.url_predictions.run_id !== activeRunId) return null;
  const dir = form.outDir.trim();
  // A relative folder is refused (the card says why under the field): the preview does not promise to write there.
  const into = dir && !relativeFolderText(dir) ? (
    <>
      {' '}
      into <code>{dir}</code>
    </>
  ) : null;
  let what: ReactNode;
  if (form.scope === 'library') {
    const merged = status.url_predictions.urls;
    what = (
      <p className="small" data-testid="export-preview" data-run={activeRunId} data-images={status.images} data-merged={merged}>
        Writes run #{activeRunId}&apos;s tags as <code>library_finaltags.tsv</code>
        {into}: a row for each of the {fmtInt(status.images)} images
        {merged > 0 ? `, then one for each of the run's predictions merged by URL whose image is not here (at most ${fmtInt(merged)})` : ''}.
      </p>
    );
  } else {
    const bundle = bundles?.find((b) => String(b.id) === form.bundleId);
    const chunks = bundle ? Math.max(1, Math.ceil(bundle.rows / DEFAULT_CHUNK_ROWS)) : 0;
    what = bundle?.import ? (
      // Picked before its import ended so (a classify cancelled since): export would refuse it.
      <p className="warn small" data-testid="export-preview-not-ready" data-import={bundle.import}>
        Bundle {bundle.name} cannot be exported: {BUNDLE_NOT_READY[bundle.import]}.
      </p>
    ) : bundle ? (
      <p className="small" data-testid="export-preview" data-run={activeRunId} data-rows={bundle.rows} data-chunks={chunks}>
        Writes run #{activeRunId}&apos;s tags of bundle {bundle.name}
        {into}: its {fmtInt(bundle.rows)} rows in {chunks === 1 ? 'one chunk file' : `${fmtInt(chunks)} chunk files`} (<code>…_a.tsv</code>
        {chunks > 1 ? (
          <>
            {' '}
            to <code>…_{chunkSuffix(chunks - 1)}.tsv</code>
          </>
        ) : null}
        , up to {fmtInt(DEFAULT_CHUNK_ROWS)} rows each) and <code>…_finaltags.tsv</code>, named after the bundle&apos;s file.
      </p>
    ) : null;
  }
  return (
    <>
      {what}
      <MergedElsewhere runs={status.url_predictions.other_runs} testId="export-preview-merged-elsewhere" upTo={form.scope === 'bundle'} />
    </>
  );
}

/** Why tags cannot be exported or a bundle classified yet: the tag files carry the active run's p(bad). */
export const NO_RUN = 'no trained model yet: train one on the Train screen first (the tag files carry its p(bad); curator labels alone are not exported)';

/** True once the runs are known and none is active: Export tags and Classify need one. */
const useNoRun = () => useApp((s) => s.runsLoaded && s.activeRunId === null);

function ThresholdInForce() {
  const scores = useApp((s) => s.scores);
  const status = useApp((s) => s.scoresStatus);
  if (!scores) return <span className="muted" data-testid={status === 'none' ? 'export-no-run' : undefined}>{status === 'none' ? NO_RUN : '…'}</span>;
  // The core's answer (pushed to every tab when it changes), never worked out here.
  const { threshold: t, source } = scores.inForce;
  return (
    <span data-testid="export-threshold" data-value={t} data-source={source}>
      p(bad) ≥ <b>{fmtT(t)}</b> <span className="muted">({THRESHOLD_SOURCE_WORD[source]}{source === 'curator' && scores.recommended !== null ? `; recommended ${fmtT(scores.recommended)}` : ''}, run {scores.runId})</span>{' '}
      <span className="muted small">Change it on Review: move the slider, then “Use … for export”.</span>
    </span>
  );
}

/** Why a bundle cannot be exported yet, by how its imports ended (BundleRow.import), as the picker and the preview say it. */
export const BUNDLE_NOT_READY: Record<BundleImportState, string> = {
  running: 'its import is still running: export it when it has finished',
  unfinished: 'its import did not finish: it holds only the rows read before it stopped; import the file again (or classify it again), then export',
};

/** A bundle by its file name (the list from `library.sources`). */
function BundlePicker({ value, onChange }: { value: string; onChange(id: string): void }) {
  const store = useAppStore();
  const sources = useApp((s) => s.sources);
  useEffect(() => {
    void store.getState().loadSources();
  }, [store]);
  return (
    <label className="field">
      <span className="field__label">Bundle</span>
      <select className="select" value={value} onChange={(e) => onChange(e.target.value)} data-testid="export-bundle">
        <option value="">choose a bundle…</option>
        {sources?.bundles.map((b) => (
          // A bundle no import of which finished cannot be exported (the core refuses it): offered, but off, with why.
          <option key={b.id} value={String(b.id)} disabled={b.import !== undefined} data-import={b.import ?? 'done'}>
            {b.name} ({b.rows} rows, id {b.id}){b.import ? ` · ${BUNDLE_NOT_READY[b.import]}` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The start button's ref: when its job ends, its Cancel is gone and the button was disabled
 * meanwhile, so focus left on neither (on <body>, or the removed Cancel) goes back to it, not to
 * the top of the page.
 */
function useFocusBackWhenDone(jobId: number | null) {
  const startRef = useRef<HTMLButtonElement>(null);
  const running = useRef(jobId !== null);
  useEffect(() => {
    const was = running.current;
    running.current = jobId !== null;
    if (was && jobId === null && focusLost()) startRef.current?.focus();
  }, [jobId]);
  return startRef;
}

function ExportCard() {
  const store = useAppStore();
  const form = useApp((s) => s.exportForm);
  const bundles = useApp((s) => s.status?.bundles ?? null); // null until the status is known
  const jobId = useApp((s) => s.exportJobId);
  const job = useApp((s) => s.jobs.find((j) => j.id === s.exportJobId));
  const last = useApp((s) => s.lastExport);
  const noRun = useNoRun();
  const startRef = useFocusBackWhenDone(jobId);
  // An export that ended with no result (here or while another screen was shown): exportSlice.exportUnfinished.
  const unfinished = useApp((s) => (s.exportJobId === null ? s.exportUnfinished : null));
  // Said as it is typed, not only once Export is pressed (the preview would otherwise promise to write "into relout").
  const relative = form.outDir.trim() ? relativeFolderText(form.outDir.trim()) : null;
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault();
        void store.getState().startExport();
      }}
    >
      <h3>Export tags</h3>
      <p className="muted small">
        Writes EOL&apos;s TSVs: per chunk every row with the model&apos;s class and confidence, and the final tags (bad or NA); curator labels override the model.
      </p>
      <div className="form-row">
        <label className="field field--grow">
          <span className="field__label">Output folder</span>
          <input
            className="input"
            value={form.outDir}
            placeholder="/data/eol/tags"
            onChange={(e) => store.getState().setExportForm({ outDir: e.target.value })}
            data-testid="export-outdir"
            spellCheck={false}
            aria-invalid={relative ? true : undefined}
            aria-describedby={relative ? 'export-outdir-relative' : undefined}
          />
        </label>
        <BrowseButton select="folder" title="Export tags to a folder" onPick={(outDir) => store.getState().setExportForm({ outDir })} testId="export-browse" />
        <label className="field">
          <span className="field__label">What</span>
          <select className="select" value={form.scope} onChange={(e) => store.getState().setExportForm({ scope: e.target.value as 'library' | 'bundle' })} data-testid="export-scope">
            <option value="library">the whole library</option>
            <option value="bundle" disabled={!bundles}>
              {bundles === 0 ? 'a bundle (none imported yet)' : 'a bundle'}
            </option>
          </select>
        </label>
        {form.scope === 'bundle' && <BundlePicker value={form.bundleId} onChange={(bundleId) => store.getState().setExportForm({ bundleId })} />}
      </div>
      {relative && (
        <p className="warn small" id="export-outdir-relative" data-testid="export-outdir-relative">
          {relative}.
        </p>
      )}
      <div className="form-row">
        <span className="field__label">Threshold in force:</span> <ThresholdInForce />
      </div>
      {!noRun && <ExportPreview />}
      <div className="form-actions">
        <button ref={startRef} type="submit" className="btn btn--primary" disabled={jobId !== null || noRun} title={noRun ? 'Train a model first' : undefined} data-testid="export-start">
          {jobId !== null ? 'Exporting…' : 'Export'}
        </button>
        {jobId !== null && (
          <button type="button" className="btn" onClick={() => store.getState().cancelJob(jobId)} disabled={job?.cancelling === true} aria-label={job?.cancelling ? 'Cancelling export' : 'Cancel export'} data-testid="export-cancel">
            {job?.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        {jobId !== null && (
          <div className="grow">
            <ProgressBar progress={job?.progress ?? null} label="Export progress" testId="export-progress" />
          </div>
        )}
      </div>
      {unfinished !== null && (
        <p className="warn small" data-testid="export-unfinished">
          The export into <code>{unfinished}</code> did not finish (the message said why): nothing was written there.{last ? ' Below is the last export that did.' : ''}
        </p>
      )}
      {last && <Summary s={last} testId="export-result" />}
    </form>
  );
}

/** What a classify did, in one line: rows, images with a p(bad) (how many newly scored), what failed and why it matters. */
export function classifyLine(c: ClassifySummary): string {
  const parts = [`bundle ${c.bundle_id}: ${fmtInt(c.rows)} rows, ${fmtInt(c.images)} images`];
  parts.push(`${fmtInt(c.predicted ?? c.scored)} with a p(bad)${c.scored ? ` (${fmtInt(c.scored)} newly scored)` : ' (all scored before)'}`);
  if (c.failed) {
    // Such a row takes its URL's prediction merged from tag files into the run, if any (core/export/tags.ts).
    const one = c.failed === 1;
    const merged = c.run_id !== null ? `, unless tag files merged into run #${c.run_id} scored ${one ? 'it' : 'them'}` : '';
    parts.push(`${fmtInt(c.failed)} URL${one ? '' : 's'} could not be downloaded: ${one ? 'its row is' : 'their rows are'} NA with no confidence${merged}`);
  }
  if (c.row_problems) parts.push(`${fmtInt(c.row_problems)} rows could not be read (see Library → Failures)`);
  return parts.join(' · ');
}

function ClassifyCard() {
  const store = useAppStore();
  const form = useApp((s) => s.classifyForm);
  const jobId = useApp((s) => s.classifyJobId);
  const job = useApp((s) => s.jobs.find((j) => j.id === s.classifyJobId));
  const last = useApp((s) => s.lastClassify);
  // A classify that ended with no result (here or while another screen was shown): exportSlice.classifyUnfinished.
  const unfinished = useApp((s) => (s.classifyJobId === null ? s.classifyUnfinished : null));
  const libraryMirrors = cleanMirrors(useApp((s) => s.importForm.mirrors));
  const noRun = useNoRun();
  const startRef = useFocusBackWhenDone(jobId);
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault();
        void store.getState().startClassify();
      }}
    >
      <h3>Classify a bundle</h3>
      <p className="muted small">Imports the bundle (downloads what is missing), scores it with the active run and writes its tag files.</p>
      {noRun && (
        <p className="muted small" data-testid="classify-no-run">
          {NO_RUN}
        </p>
      )}
      <div className="form-row">
        <label className="field field--grow">
          <span className="field__label">Bundle file or URL</span>
          <input className="input" value={form.source} placeholder="/data/eol/bundle.tsv" onChange={(e) => store.getState().setClassifyForm({ source: e.target.value })} data-testid="classify-source" spellCheck={false} />
        </label>
        <label className="field field--grow">
          <span className="field__label">Output folder</span>
          <input className="input" value={form.outDir} placeholder="/data/eol/tags" onChange={(e) => store.getState().setClassifyForm({ outDir: e.target.value })} data-testid="classify-outdir" spellCheck={false} />
        </label>
      </div>
      <div className="field">
        <span className="field__label">Mirrors</span>
        <MirrorRows rows={form.mirrors} onChange={(mirrors) => store.getState().setClassifyForm({ mirrors })} testId="classify-mirror" />
        {libraryMirrors.length > 0 && (
          <button type="button" className="btn btn--small btn--ghost" onClick={() => store.getState().setClassifyForm({ mirrors: libraryMirrors.map((m) => ({ ...m })) })} data-testid="classify-use-library-mirrors">
            Use the Library screen&apos;s mirrors
          </button>
        )}
      </div>
      <div className="form-actions">
        <button ref={startRef} type="submit" className="btn btn--primary" disabled={jobId !== null || noRun} title={noRun ? 'Train a model first: classifying scores the bundle with the active run' : undefined} data-testid="classify-start">
          {jobId !== null ? 'Classifying…' : 'Classify'}
        </button>
        {jobId !== null && (
          <button type="button" className="btn" onClick={() => store.getState().cancelJob(jobId)} disabled={job?.cancelling === true} aria-label={job?.cancelling ? 'Cancelling classify' : 'Cancel classify'} data-testid="classify-cancel">
            {job?.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        {jobId !== null && (
          <div className="grow">
            <ProgressBar progress={job?.progress ?? null} label="Classify progress" testId="classify-progress" />
          </div>
        )}
      </div>
      {unfinished !== null && (
        <p className="warn small" data-testid="classify-unfinished">
          The classify of <code>{unfinished.source}</code> into <code>{unfinished.outDir}</code> did not finish (the message said why): no tag files were written there. The
          images it had already imported stay in the library (Library → Imports shows how its bundle ended).{last ? ' Below is the last classify that did finish.' : ''}
        </p>
      )}
      {last && (
        <>
          <p className="small" data-testid="classify-counts">
            {classifyLine(last)}
          </p>
          <Summary s={last} testId="classify-result" />
        </>
      )}
    </form>
  );
}

/**
 * Ask the core again for the threshold in force (each time the screen is shown, and after each
 * export): another program (`qc threshold`, another window) may have changed it, and the line must
 * say what the next export uses. The slider's place on Review stays where it is.
 */
async function reloadThresholdInForce(store: AppStore, client: ApiClient): Promise<void> {
  const s = store.getState();
  if (s.scoresStatus === 'loading') return; // a load under way brings the threshold in force
  if (s.scoresStatus !== 'ready' || !s.scores) return void s.loadScores();
  // A threshold.changed applied while the runs are on their way is newer than their answer.
  const changes = s.thresholdChanges;
  try {
    // The runs say the threshold in force of each (a few rows); review.scores would recount the slider's sketch.
    const r = await client.call('ml.runs', {});
    if (store.getState().thresholdChanges !== changes) return;
    const active = r.runs.find((run) => run.run_id === r.active);
    if (!active?.in_force) return void store.getState().loadScores(); // no run any more: the load says so
    // A run that became active meanwhile loads its scores (applyThresholdChange).
    store.getState().applyThresholdChange({ curator: active.curator_threshold ?? null, active_run: active.run_id, in_force: active.in_force });
  } catch {
    void store.getState().loadScores(); // no run any more, or the call failed: the load says which
  }
}

export function ExportScreen() {
  const store = useAppStore();
  const client = useClient();
  const lastExport = useApp((s) => s.lastExport);
  useEffect(() => {
    const s = store.getState();
    if (s.scoresStatus === 'idle') void s.loadScores();
    else void reloadThresholdInForce(store, client);
    // What the next export leaves out (ExportPreview) is read from the status: another program may have merged tag files.
    void s.loadStatus();
    if (!s.runsLoaded) void s.loadRuns();
  }, [store, client]);
  // Another run made active (here or elsewhere): the status says what an export of it leaves out.
  const activeRunId = useApp((s) => s.activeRunId);
  const seenRun = useRef(activeRunId);
  useEffect(() => {
    if (activeRunId === seenRun.current) return;
    seenRun.current = activeRunId;
    void store.getState().loadStatus();
  }, [activeRunId, store]);
  // After each export (its file used the threshold in force then): the line follows whatever is in force now.
  const seenExport = useRef(lastExport);
  useEffect(() => {
    if (lastExport === seenExport.current) return;
    seenExport.current = lastExport;
    void reloadThresholdInForce(store, client);
  }, [lastExport, store, client]);
  return (
    <section className="screen screen--export scroll" data-testid="screen-export">
      <h2>Export</h2>
      <ExportCard />
      <ClassifyCard />
      <SeedFilesCard />
    </section>
  );
}
