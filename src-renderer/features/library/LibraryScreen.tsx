import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { FAILURE_REASONS, IMPORT_KINDS, importCountNotes, NO_ENCODING, skippedFilesText, tagMergeText, type FailureReason, type ImportRow, type ImportSummary } from '../../../src-shared/domain/library';
import { RATING_CLASSES, sameRule, type LabelRule, type RatingClass } from '../../../src-shared/domain/label';
import { noun } from '../../../src-shared/domain/words';
import { useApp, useAppStore, useClient } from '../../stores/app';
import { BrowseButton } from '../../components/BrowseButton';
import { fmtCount, fmtDate, fmtInt, fmtSeconds } from '../../components/format';
import { MirrorRows } from '../../components/MirrorRows';
import { ProgressBar } from '../../components/ProgressBar';
import { focusLost, useStartCancelFocus } from '../train/focus';
import type { JobProgress } from '../../../src-shared/contract/events';

/**
 * The path a drop names: the first file:// URI as a local path (decoded), else the first line of
 * text (a path or an http(s) URL), else null.
 */
export function droppedPath(data: { uriList: string; text: string }): string | null {
  const uris = data.uriList.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const first = uris[0] ?? data.text.split(/\r?\n/).map((l) => l.trim()).find(Boolean) ?? '';
  if (!first) return null;
  if (first.startsWith('file://')) {
    try {
      const u = new URL(first);
      const p = decodeURIComponent(u.pathname);
      return /^\/[A-Za-z]:\//.test(p) ? p.slice(1).replace(/\//g, '\\') : p; // file:///C:/x → C:\x
    } catch {
      return null;
    }
  }
  return first;
}

/**
 * What an import's result says beyond its counts, one sentence each, as `qc import` prints it: the
 * labels of the images it touched, rows an earlier import of the same file stored that the file no
 * longer has (removed, their images' labels derived again), failed URLs not tried again, and files
 * of a folder left out. The toast says some of these; the result stays on the screen.
 */
export function importResultNotes(s: ImportSummary): string[] {
  const notes: string[] = [];
  if (s.images_new + s.images_existing > 0) notes.push(`labels of these images: ${fmtInt(s.labels.good)} good, ${fmtInt(s.labels.bad)} bad, ${fmtInt(s.labels.unlabeled)} unlabelled`);
  if (s.rows_removed) notes.push(`${fmtCount(s.rows_removed, 'row')} of an earlier import of this file that it no longer has removed: the labels of their images were derived again without them`);
  if (s.failed_before) notes.push(`${fmtCount(s.failed_before, 'failed URL')} had failed in an earlier import and ${noun(s.failed_before, 'was', 'were')} not tried again: Retry failed tries ${noun(s.failed_before, 'it', 'them')}`);
  if (s.skipped_files) notes.push(skippedFilesText(s.skipped_files));
  return notes;
}

function ImportCard() {
  const [dragging, setDragging] = useState(false);
  const store = useAppStore();
  const form = useApp((s) => s.importForm);
  const jobId = useApp((s) => s.importJobId);
  const job = useApp((s) => s.jobs.find((j) => j.id === s.importJobId));
  const last = useApp((s) => s.lastImport);
  const demo = useApp((s) => s.status?.demo);
  const images = useApp((s) => s.status?.images ?? 0);
  const running = jobId !== null;
  // Import disables itself while an import (or the demo's load) runs, and Cancel, like the demo's
  // Load button, goes when it ends: focus moves to Cancel when one starts from here, and back to
  // Import when it ends, never left on <body> or on a disabled button.
  const { startRef, cancelRef } = useStartCancelFocus(running);
  // An import that ends without a result (refused, failed, or cancelled before it began) leaves
  // the store's last result as it was: that earlier import's figures are not shown as if they were
  // this one's; the card says it ended without a result (its message, a toast, said why). Kept in
  // the store (library.ts importNoResult): it may end while another screen is shown.
  const noResult = useApp((s) => (s.importJobId === null ? s.importNoResult : null));
  const noResultWhy = useApp((s) => s.importNoResultWhy);
  const pathError = useApp((s) => s.importPathError);
  const method = job?.method;
  const shown = noResult ? null : last;
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault();
        void store.getState().startImport();
      }}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        // A file manager drops file:// URIs; a path or URL may come as text. Browsers do not reveal
        // the local path of a dropped file otherwise.
        const dropped = droppedPath({ uriList: e.dataTransfer.getData('text/uri-list'), text: e.dataTransfer.getData('text/plain') });
        if (dropped) store.getState().setImportForm({ path: dropped });
        else if (e.dataTransfer.files.length) store.getState().toast('info', 'This browser does not reveal where a dropped file is: drag it from a file manager, or type or paste its path');
      }}
      data-dragging={dragging ? 'true' : 'false'}
    >
      <h3>Import</h3>
      <p className="muted small">
        A ratings file (<code>image_ratings.txt</code>), an exemplar file, a bundle (TSV with <code>eolMediaURL</code> or a list of URLs), a folder, or an http(s) URL of a
        list. Type or paste its path on the machine running Quality Curator.
      </p>
      <div className="form-row">
        <label className="field field--grow">
          <span className="field__label">Path or URL</span>
          <input
            className="input"
            value={form.path}
            placeholder="/data/eol/image_ratings.txt"
            onChange={(e) => store.getState().setImportForm({ path: e.target.value })}
            data-testid="import-path"
            spellCheck={false}
            // Refused for its path: marked so, and the reason read with it (the toast goes after 12 s).
            aria-invalid={pathError ? true : undefined}
            aria-describedby={pathError ? 'import-path-error' : undefined}
          />
        </label>
        <div className="field field--buttons">
          <BrowseButton select="file" title="Import a file" onPick={(path) => store.getState().setImportForm({ path })} testId="import-browse-file" />
          <BrowseButton select="folder" title="Import a folder" onPick={(path) => store.getState().setImportForm({ path })} testId="import-browse-folder" />
        </div>
        <label className="field">
          <span className="field__label">Kind</span>
          <select className="select" value={form.kind} onChange={(e) => store.getState().setImportForm({ kind: e.target.value as typeof form.kind })} data-testid="import-kind">
            <option value="auto">auto-detect</option>
            {IMPORT_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
      </div>
      {/* Beside the field, not inside its label (it would join the field's name). */}
      {pathError && (
        <p id="import-path-error" className="error small" data-testid="import-path-error">
          {pathError}
        </p>
      )}
      <div className="field">
        <span className="field__label">Mirrors (URLs starting with the prefix are read from the folder instead of downloaded)</span>
        <MirrorRows rows={form.mirrors} onChange={(mirrors) => store.getState().setImportForm({ mirrors })} testId="import-mirror" />
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn--primary" disabled={running} data-testid="import-start" ref={startRef}>
          {running ? 'Importing…' : 'Import'}
        </button>
        {running && (
          <button
            type="button"
            className="btn"
            onClick={() => store.getState().cancelJob(jobId)}
            disabled={job?.cancelling === true}
            // Named for its job, beside the job bar's Cancel (and Export's Cancel export).
            aria-label={method === 'demo.load' ? 'Cancel loading the demo' : method === 'library.retryFailed' ? 'Cancel retry' : 'Cancel import'}
            data-testid="import-cancel"
            ref={cancelRef}
          >
            {job?.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        {running && (
          <div className="grow">
            <ProgressBar progress={job?.progress ?? null} testId="import-progress" />
          </div>
        )}
      </div>
      {demo?.offer && !running && (
        <div className="demo" data-testid="demo" data-offer={demo.offer} data-rows={demo.rows}>
          <span>
            {demo.offer === 'load'
              ? `The library is empty. Try it with the bundled demo: ${fmtInt(demo.rows)} rated photos, imported with their features and trained on this machine (about 5–20 s on two idle cores, longer on a busy one).`
              : images < demo.rows
                ? `The library holds only part of the demo (${fmtInt(images)} of ${fmtInt(demo.rows)} photos) and its first run was not trained: loading it again imports the rest and trains.`
                : `The library holds the demo's ${fmtInt(images)} photos, but its first run was not trained (the load was stopped): loading it again trains it, with the features the demo ships.`}
          </span>
          <button type="button" className="btn" onClick={() => void store.getState().loadDemo()} data-testid="demo-load">
            {demo.offer === 'load' ? 'Load the demo library' : 'Finish loading the demo'}
          </button>
        </div>
      )}
      {noResult && !running && (
        <div className="result" data-testid="import-no-result">
          <b>No result</b> · {noResult} ended without one{noResultWhy ? `: ${noResultWhy}` : ' (cancelled, or refused: its message said why)'}
          {last ? '; the earlier result is no longer shown' : ''}.
        </div>
      )}
      {shown?.tags && !running && (
        <div className="result" data-testid="import-result" data-kind="tags" data-run={shown.tags.run_id} data-rows={shown.tags.rows} data-cancelled={shown.cancelled ? 'true' : 'false'}>
          <b>Tag files merged</b> {shown.cancelled && <span className="chip chip--bad">cancelled</span>} · {tagMergeText(shown.tags)} · {fmtSeconds(shown.seconds)}
        </div>
      )}
      {shown && !shown.tags && !running && (
        <div className="result" data-testid="import-result" data-import-id={shown.import_id} data-new={shown.images_new} data-failed={shown.failed} data-cancelled={shown.cancelled ? 'true' : 'false'}>
          {/* A retry reads no input file: no kind, rows, row problems or encoding to tell. */}
          <b>{shown.kind === 'retry' ? 'Retry failed' : `Import #${shown.import_id}`}</b> {shown.cancelled && <span className="chip chip--bad">cancelled</span>}
          {shown.kind !== 'retry' && (
            <>
              {' '}
              · {shown.kind} · {fmtCount(shown.rows, 'row')}
            </>
          )}{' '}
          · {fmtCount(shown.urls, 'URL')} · <b>{fmtInt(shown.images_new)}</b> new · {fmtInt(shown.images_existing)} already stored · <b>{fmtInt(shown.failed)}</b> failed
          {shown.kind !== 'retry' && <> · {fmtCount(shown.row_problems, 'row problem')}</>} · {fmtCount(shown.network_requests, 'request')} · {fmtSeconds(shown.seconds)}
          {shown.kind !== 'retry' && shown.encoding !== NO_ENCODING && <> · encoding {shown.encoding}</>}
          {shown.bundle_id !== null && <> · bundle {shown.bundle_id}</>}
          {importCountNotes(shown).map((note) => (
            <span key={note} data-testid="import-count-note">
              {' '}
              · {note}
            </span>
          ))}
          {importResultNotes(shown).map((note) => (
            <span key={note} data-testid="import-result-note">
              {' '}
              · {note}
            </span>
          ))}
        </div>
      )}
    </form>
  );
}

function StatusCard() {
  const store = useAppStore();
  const status = useApp((s) => s.status);
  const error = useApp((s) => s.statusError);
  // A status that could not be read (the library busy, a transport dropped): Try again asks once
  // more without leaving the screen (a second press while it asks does nothing); when the status
  // comes, the button goes and the focus moves to the card's heading.
  const retrying = useRef(false);
  const headRef = useRef<HTMLHeadingElement>(null);
  const refocus = useRef(false);
  useLayoutEffect(() => {
    if (!status || !refocus.current) return;
    refocus.current = false;
    if (focusLost()) headRef.current?.focus();
  }, [status]);
  if (!status && error) {
    const again = () => {
      if (retrying.current) return;
      retrying.current = refocus.current = true;
      void store
        .getState()
        .loadStatus()
        .finally(() => (retrying.current = false));
    };
    return (
      <div className="card muted" data-testid="status-error">
        Library status unavailable: {error}{' '}
        <button type="button" className="btn btn--small" onClick={again} data-testid="status-retry">
          Try again
        </button>
      </div>
    );
  }
  if (!status) return <div className="card muted">Loading library status…</div>;
  const classes = (['1', '2', '3', '4', '5'] as const).map((c) => [c, status.ratings[c]] as const);
  const maxClass = Math.max(1, ...classes.map(([, n]) => n));
  const reasons = Object.entries(status.failures_by_reason) as [FailureReason, number][];
  return (
    <div className="card" data-testid="library-status">
      <h3 tabIndex={-1} ref={headRef}>
        Library
      </h3>
      <div className="stats">
        <div className="stat" data-testid="status-images" data-value={status.images}>
          <span className="stat__n">{fmtInt(status.images)}</span>
          <span className="stat__l">images</span>
        </div>
        <div className="stat stat--bad" data-testid="status-bad" data-value={status.labels.bad}>
          <span className="stat__n">{fmtInt(status.labels.bad)}</span>
          <span className="stat__l">bad</span>
        </div>
        <div className="stat stat--good" data-testid="status-good" data-value={status.labels.good}>
          <span className="stat__n">{fmtInt(status.labels.good)}</span>
          <span className="stat__l">good</span>
        </div>
        <div className="stat" data-testid="status-unlabeled" data-value={status.labels.unlabeled}>
          <span className="stat__n">{fmtInt(status.labels.unlabeled)}</span>
          <span className="stat__l">unlabelled</span>
        </div>
        <div className="stat" data-testid="status-curator" data-value={status.labels_by_origin.curator}>
          <span className="stat__n">{fmtInt(status.labels_by_origin.curator)}</span>
          <span className="stat__l" title="images whose label a curator set: good, bad or cleared">set by a curator</span>
        </div>
        <div className="stat" data-testid="status-failed" data-value={status.failed}>
          <span className="stat__n">{fmtInt(status.failed)}</span>
          <span className="stat__l">failed URLs</span>
        </div>
      </div>
      <div className="two-col">
        <div>
          <h4>Rating classes</h4>
          <table className="table table--compact" data-testid="status-ratings">
            <tbody>
              {classes.map(([c, n]) => (
                <tr key={c}>
                  <th scope="row">class {c}</th>
                  <td className="num">{fmtInt(n)}</td>
                  <td className="bar-cell">
                    <div className="hbar" style={{ width: `${(n / maxClass) * 100}%` }} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h4>Failures by reason</h4>
          {reasons.length ? (
            <table className="table table--compact" data-testid="status-failures">
              <tbody>
                {reasons.map(([r, n]) => (
                  <tr key={r} title={FAILURE_REASONS[r]}>
                    <th scope="row">{r}</th>
                    <td className="num">{fmtInt(n)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted small">None.</p>
          )}
          <p className="muted small" data-testid="status-sources">
            {fmtCount(status.imports, 'import')} · {fmtCount(status.bundles, 'bundle')} · schema {status.schema_version} · <code>{status.data_dir}</code>
          </p>
        </div>
      </div>
    </div>
  );
}

function FailuresCard() {
  const store = useAppStore();
  const failures = useApp((s) => s.failures);
  const failuresError = useApp((s) => s.failuresError);
  const running = useApp((s) => s.importJobId !== null);
  // Read each time the screen is shown (another program may have imported since); a list that could
  // not be read says so and offers to ask again, instead of "Loading…" for ever.
  const [unreadable, setUnreadable] = useState(false);
  const asking = useRef(false);
  const read = useCallback(async () => {
    if (asking.current) return;
    asking.current = true;
    try {
      await store.getState().loadFailures();
    } finally {
      asking.current = false;
    }
    setUnreadable(store.getState().failures === null);
  }, [store]);
  useEffect(() => {
    void read();
  }, [read]);
  // Try again goes once the list is read: the focus moves to the card's heading.
  const headRef = useRef<HTMLHeadingElement>(null);
  const retried = useRef(false);
  const loaded = failures !== null;
  useLayoutEffect(() => {
    if (!loaded || !retried.current) return;
    retried.current = false;
    if (focusLost()) headRef.current?.focus();
  }, [loaded]);
  // The list holds two kinds of failure: URLs that could not be stored (Retry failed tries them
  // again) and problems of the input itself, rows of a file that could not be read or entries of a
  // folder not imported (retrying does nothing for them: the input must be corrected and imported
  // again). The status counts both (all reasons) and the URLs (the "failed URLs" figure).
  const status = useApp((s) => s.status);
  const urls = status?.failed ?? null;
  const rows = status ? Math.max(0, Object.values(status.failures_by_reason).reduce((n: number, k) => n + (k ?? 0), 0) - status.failed) : null;
  const retryable = urls ?? failures?.total ?? 0;
  return (
    <div className="card">
      <div className="card__head">
        <h3 tabIndex={-1} ref={headRef}>
          Failures {failures && <span className="muted">({fmtInt(failures.total)})</span>}
        </h3>
        <button
          type="button"
          className="btn"
          disabled={running || !retryable}
          onClick={() => void store.getState().retryFailed()}
          data-testid="retry-failed"
          title={retryable || !rows ? 'Try every failed URL again (uses the mirrors above)' : 'No failed URL to try again: the failures are problems in the input itself (correct it and import it again)'}
        >
          Retry failed
        </button>
      </div>
      {urls !== null && rows !== null && urls + rows > 0 && (
        <p className="muted small" data-testid="failures-kinds" data-urls={urls} data-rows={rows}>
          {fmtCount(urls, 'URL')} that could not be stored (Retry failed tries them again) · {fmtCount(rows, 'problem')} in the input itself, a row of a
          file that could not be read or an entry of a folder not imported (correct the input and import it again)
        </p>
      )}
      {failures && failures.rows.length > 0 ? (
        <div className="table-wrap table-wrap--tall">
          <table className="table table--compact" data-testid="failures-table" data-total={failures.total}>
            <thead>
              <tr>
                <th>reason</th>
                <th>URL or file</th>
                <th>detail</th>
                <th className="num">tries</th>
                <th>when</th>
              </tr>
            </thead>
            <tbody>
              {failures.rows.map((f) => (
                <tr key={f.id} data-testid={`failure-${f.id}`} data-reason={f.reason}>
                  <td title={FAILURE_REASONS[f.reason]}>{f.reason}</td>
                  <td className="ellipsis" title={f.url ?? f.file ?? ''}>
                    {f.url ?? ''}
                    {f.file && (
                      <span className="muted">
                        {f.url ? ' · ' : ''}
                        {f.file}
                        {f.line !== null ? `:${f.line}` : ''}
                      </span>
                    )}
                  </td>
                  <td className="ellipsis" title={f.detail}>
                    {f.detail}
                  </td>
                  <td className="num">{f.attempts}</td>
                  <td className="small">{fmtDate(f.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {failures.total > failures.rows.length && <p className="muted small">Showing the first {fmtInt(failures.rows.length)}.</p>}
        </div>
      ) : (
        <p className="muted small" data-testid={failures || !unreadable ? undefined : 'failures-unavailable'}>
          {failures ? (
            'No failures.'
          ) : unreadable ? (
            <>
              The failures could not be read{failuresError ? `: ${failuresError}` : ''}.{' '}
              <button
                type="button"
                className="btn btn--small"
                onClick={() => {
                  retried.current = true;
                  void read();
                }}
                data-testid="failures-retry"
              >
                Try again
              </button>
            </>
          ) : (
            'Loading…'
          )}
        </p>
      )}
    </div>
  );
}

/**
 * A rule change a process left unfinished (a `qc rule` killed or cancelled) that the core finishes
 * in the background (app.ts): its `relabel` progress while it runs; null once it is done (its last
 * chunk, or the `library.changed` it ends with) or when none is heard.
 */
export function useLeftoverRelabel(): JobProgress | null {
  const client = useClient();
  const [progress, setProgress] = useState<JobProgress | null>(null);
  useEffect(() => {
    const off = client.on('job.progress', (p) => {
      if (p.job === 'relabel' && p.phase === 'labels') setProgress(p.total > 0 && p.done >= p.total ? null : p);
    });
    const offChanged = client.on('library.changed', (e) => {
      if (e.reason === 'rule') setProgress(null);
    });
    return () => {
      off();
      offChanged();
    };
  }, [client]);
  return progress;
}

/**
 * How rating classes become labels (`qc rule`): each class 1–5 is bad, good or unlabelled, and
 * exemplars have a label of their own. Saving re-derives import labels; curator labels stay.
 */
function RuleCard() {
  const store = useAppStore();
  const leftover = useLeftoverRelabel();
  // In the store: an unsaved edit survives leaving the screen, and the rule in force follows
  // library.changed (a change in another window or by `qc rule`). A save sends the rule the edit
  // started from, so it never silently undoes a change it did not see.
  const saved = useApp((s) => s.labelRule);
  const ruleError = useApp((s) => s.labelRuleError);
  const draft = useApp((s) => s.ruleDraft);
  const busy = useApp((s) => s.ruleSaving);
  // A rule that could not be read (its error was reported) leaves a way to ask again, not an empty space.
  const [unreadable, setUnreadable] = useState(false);
  const [asking, setAsking] = useState(false);
  const readRule = useCallback(async () => {
    setAsking(true);
    await store.getState().loadRule();
    setAsking(false);
    setUnreadable(store.getState().labelRule === null);
  }, [store]);
  useEffect(() => {
    void readRule();
  }, [readRule]);
  // Revert goes and Save disables itself once the edit is saved or reverted: focus left on them
  // (or dropped to <body>) moves to the card's first control, not to the top of the page.
  const cardRef = useRef<HTMLDivElement>(null);
  const changed = draft !== null;
  const wasChanged = useRef(changed);
  useLayoutEffect(() => {
    if (changed === wasChanged.current) return;
    wasChanged.current = changed;
    const a = document.activeElement;
    const fromCard = !a || a === document.body || !a.isConnected || cardRef.current?.contains(a);
    if (!changed && fromCard && focusLost()) cardRef.current?.querySelector<HTMLElement>('select')?.focus();
  }, [changed]);
  const rule = draft?.rule ?? saved;
  // Try again goes once the rule is read: focus moves to the card's first control.
  const retried = useRef(false);
  const shownRule = rule !== null;
  useLayoutEffect(() => {
    if (!shownRule || !retried.current) return;
    retried.current = false;
    if (focusLost()) cardRef.current?.querySelector<HTMLElement>('select')?.focus();
  }, [shownRule]);
  if (!rule) {
    if (!unreadable) return null;
    return (
      <div className="card muted" data-testid="rule-unavailable">
        The ratings → labels rule could not be read{ruleError ? `: ${ruleError}` : ''}.{' '}
        <button
          type="button"
          className="btn btn--small"
          onClick={() => {
            if (asking) return; // a second press while it asks does nothing
            retried.current = true;
            void readRule();
          }}
          data-testid="rule-retry"
        >
          Try again
        </button>
      </div>
    );
  }
  const setRule = (r: LabelRule) => store.getState().editRule(r);
  const classOf = (c: RatingClass): 'bad' | 'good' | 'none' => (rule.bad.includes(c) ? 'bad' : rule.good.includes(c) ? 'good' : 'none');
  const setClass = (c: RatingClass, to: 'bad' | 'good' | 'none') =>
    setRule({ ...rule, bad: RATING_CLASSES.filter((k) => (k === c ? to === 'bad' : rule.bad.includes(k))), good: RATING_CLASSES.filter((k) => (k === c ? to === 'good' : rule.good.includes(k))) });
  const stale = draft !== null && saved !== null && !sameRule(draft.base, saved);
  const save = () => store.getState().saveRule();
  return (
    <div className="card" data-testid="rule-card" ref={cardRef}>
      <h3>Ratings → labels</h3>
      <p className="muted small">How each rating class (the rounded mean rating of an image) becomes a label. Curators&apos; labels are never changed by this.</p>
      <div className="form-row">
        {RATING_CLASSES.map((c) => (
          <label key={c} className="field">
            <span className="field__label">class {c}</span>
            <select className="select" value={classOf(c)} onChange={(e) => setClass(c, e.target.value as 'bad' | 'good' | 'none')} data-testid={`rule-class-${c}`}>
              <option value="bad">bad</option>
              <option value="good">good</option>
              <option value="none">no label</option>
            </select>
          </label>
        ))}
        <label className="field">
          <span className="field__label">exemplars</span>
          <select className="select" value={rule.exemplar ?? 'none'} onChange={(e) => setRule({ ...rule, exemplar: e.target.value === 'none' ? null : (e.target.value as 'good' | 'bad') })} data-testid="rule-exemplar">
            <option value="good">good</option>
            <option value="bad">bad</option>
            <option value="none">no label</option>
          </select>
        </label>
      </div>
      {stale && (
        <p className="warn small" data-testid="rule-stale">
          The rule was changed elsewhere (another window or the command line) since you began this edit: Revert to see it, then make your change again.
        </p>
      )}
      {leftover && (
        <div data-testid="rule-leftover">
          <p className="small">A label rule change left unfinished (a rule change stopped or killed part way) is being finished: labels follow the rule shown.</p>
          <ProgressBar progress={leftover} label="Finishing the label rule change" testId="rule-leftover-progress" />
        </div>
      )}
      <div className="form-actions">
        <button type="button" className="btn btn--primary" disabled={!changed || busy} onClick={() => void save()} data-testid="rule-save">
          {busy ? 'Saving…' : 'Save rule'}
        </button>
        {changed && (
          <button type="button" className="btn btn--ghost" onClick={() => store.getState().revertRule()} data-testid="rule-revert">
            Revert
          </button>
        )}
      </div>
    </div>
  );
}

/** The imports the card lists, newest first. */
export const IMPORTS_SHOWN = 20;
/** How long after another window's import progress the list of imports is asked for again, ms. */
export const IMPORTS_REFRESH_MS = 1000;

/**
 * Every import of the library, newest first (`library.sources`): what each brought, and how it
 * ended. An import running in another window of this app shows with its progress (the core sends
 * every window its progress), one in another program (`qc import`) as running, its count followed
 * as the library changes.
 */
function ImportsCard() {
  const store = useAppStore();
  const client = useClient();
  const sources = useApp((s) => s.sources);
  // This window's import, or its Classify (which imports its bundle: the core sends that progress as an import's).
  const mine = useApp((s) => s.importJobId !== null || s.classifyJobId !== null);
  const [elsewhere, setElsewhere] = useState<JobProgress | null>(null);
  useEffect(() => {
    // The list is asked for at the first progress heard, then at most once per IMPORTS_REFRESH_MS.
    let timer: ReturnType<typeof setTimeout> | null = null;
    let heard = false;
    const reload = () => {
      heard = false;
      void store.getState().loadSources();
      timer = setTimeout(() => {
        timer = null;
        if (heard) reload();
      }, IMPORTS_REFRESH_MS);
    };
    const off = client.on('job.progress', (p) => {
      // This window's own import shows its progress on the Import card.
      if (p.job !== 'import' || store.getState().importJobId !== null || store.getState().classifyJobId !== null) return;
      setElsewhere(p);
      heard = true;
      if (!timer) reload();
    });
    // An import of this app ended (announced once it has): its progress is no longer shown.
    const offEnded = client.on('library.changed', (e) => {
      if (e.reason === 'import') setElsewhere(null);
    });
    return () => {
      off();
      offEnded();
      if (timer) clearTimeout(timer);
    };
  }, [client, store]);
  const imports = sources?.imports ?? [];
  const running = imports.filter((m) => m.status === 'running');
  const none = running.length === 0;
  useEffect(() => {
    if (none) setElsewhere(null);
  }, [none]);
  // Shown while the list has an import running that is not this window's (a progress heard after it ended is not).
  const other = !mine && running.length > 0 ? elsewhere : null;
  const statusText = (m: ImportRow) => (m.status === 'running' ? (mine ? 'running' : 'running elsewhere') : m.status);
  return (
    <div className="card" data-testid="imports-card">
      <h3>
        Imports {sources && <span className="muted">({fmtInt(imports.length)})</span>}
      </h3>
      {other && (
        <div data-testid="import-elsewhere">
          <p className="small">Another window is importing into this library:</p>
          <ProgressBar progress={other} label="Import in another window" testId="import-elsewhere-progress" />
        </div>
      )}
      {imports.length > 0 ? (
        <div className="table-wrap">
          <table className="table table--compact" data-testid="imports-table">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>kind</th>
                <th>source</th>
                <th>status</th>
                <th className="num">images</th>
                <th>finished</th>
              </tr>
            </thead>
            <tbody>
              {imports.slice(0, IMPORTS_SHOWN).map((m) => (
                <tr key={m.id} data-testid={`import-row-${m.id}`} data-status={m.status} data-images={m.images}>
                  <td className="num">{m.id}</td>
                  <td>{m.kind}</td>
                  <td className="ellipsis" title={m.source}>
                    {m.source}
                  </td>
                  <td>{m.status === 'done' ? 'done' : <span className={m.status === 'running' ? '' : 'chip chip--bad'}>{statusText(m)}</span>}</td>
                  <td className="num">{fmtInt(m.images)}</td>
                  <td className="small">{m.finished_at ? fmtDate(m.finished_at) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {imports.length > IMPORTS_SHOWN && <p className="muted small">Showing the newest {fmtInt(IMPORTS_SHOWN)}.</p>}
        </div>
      ) : (
        <p className="muted small">{sources ? 'No imports yet.' : 'Loading…'}</p>
      )}
    </div>
  );
}

export function LibraryScreen() {
  const store = useAppStore();
  useEffect(() => {
    const s = store.getState();
    // Each time the screen is shown: another program (`qc label`, `qc import`) may have changed the counts since.
    void s.loadStatus();
    void s.loadSources();
  }, [store]);
  return (
    <section className="screen screen--library scroll" data-testid="screen-library">
      <h2>Library</h2>
      <ImportCard />
      <StatusCard />
      <RuleCard />
      <ImportsCard />
      <FailuresCard />
    </section>
  );
}
