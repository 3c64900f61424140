/** The library: status counts, imports with live progress, failures, retry. */
import { importCountNotes, isHttpUrl, skippedFilesText, splitFailureReasons, tagMergeText, type BundleRow, type FailureReason, type ImportKind, type FailureRow, type ImportRow, type ImportSummary, type LibraryStatus } from '../../src-shared/domain/library';
import type { ImportArgs } from '../../src-shared/contract/handlers';
import { isAbsolutePath } from '../../src-shared/contract/schemas';
import { toQcError } from '../api/client';
import { errorText } from '../api/errorText';
import { folderDecidedText, sameRule, type LabelRule } from '../../src-shared/domain/label';
import { cleanMirrors, type MirrorRow, type Slice } from './types';
import { runTrackedJob } from './jobRunner';
import { countOf, noun } from '../../src-shared/domain/words';

export interface ImportForm {
  path: string;
  kind: ImportKind | 'auto';
  mirrors: MirrorRow[];
}

export interface LibrarySlice {
  status: LibraryStatus | null;
  statusError: string | null;
  failures: { total: number; rows: FailureRow[] } | null;
  /** Why the failures could not be read the last time they were asked for (the error's text), or null. */
  failuresError: string | null;
  importForm: ImportForm;
  importJobId: number | null;
  lastImport: ImportSummary | null;
  /**
   * What the last import, Retry failed or demo load was, in words, when it ended without a result
   * (refused, failed, or cancelled before it began) while `lastImport` is still an older one: the
   * Library screen says so instead of letting that older result pass for it — also when it ended
   * while another screen was shown. Null while one runs, once one has a result, or when none ended so.
   */
  importNoResult: string | null;
  /** Why it ended without one, as its error said (`errorText`: "…: no such file or folder", "cancelled"); null when not known. */
  importNoResultWhy: string | null;
  /**
   * What is wrong with the import's path itself, in words, when the last import was refused for it
   * (empty, not a whole path, no such file or folder): the path field says so (aria-invalid, its
   * text beside it) until the path is edited or another import starts. Null otherwise.
   */
  importPathError: string | null;
  setImportForm(patch: Partial<ImportForm>): void;
  loadStatus(): Promise<LibraryStatus | null>;
  /** Reload the status soon (coalesces bursts, e.g. many label changes). */
  scheduleStatusRefresh(): void;
  loadFailures(limit?: number): Promise<void>;
  /** Imports and bundles (for the "from" filter and picking a bundle by name). */
  sources: { imports: ImportRow[]; bundles: BundleRow[] } | null;
  loadSources(): Promise<void>;
  /** After work that stored images (an import, a classified bundle): status, failures, imports and bundles, the Review grid. */
  libraryChanged(): Promise<void>;
  startImport(): Promise<ImportSummary | null>;
  retryFailed(): Promise<ImportSummary | null>;
  /** The rating → label rule in force (null until loaded); reloaded whenever the library changes (here, in another window, by `qc rule`). */
  labelRule: LabelRule | null;
  /** Why the rule could not be read the last time it was asked for (the error's text), or null. */
  labelRuleError: string | null;
  /** An unsaved edit of the rule and the rule it started from (kept across screens); null when none. */
  ruleDraft: { rule: LabelRule; base: LabelRule } | null;
  ruleSaving: boolean;
  loadRule(): Promise<void>;
  editRule(rule: LabelRule): void;
  revertRule(): void;
  /** Save the edit; the core refuses it (conflict) when the rule changed since the edit began, and the edit is dropped for the rule in force. */
  saveRule(): Promise<void>;
  /**
   * Import the bundled demo library and train a first run; then show Review. A load cancelled or
   * not trained stays on Library and says what it left (the offer then reads "Finish loading the
   * demo"). True when the demo is whole and Review shown.
   */
  loadDemo(): Promise<boolean>;
}

const FAILURES_SHOWN = 500;

/**
 * What an import's toast says, and its colour: red when nothing could be stored, neutral when some
 * failed, rows (or a folder's entries) could not be read, an edited file's re-import removed rows
 * (their images' labels may have changed), nothing was there to import or it was cancelled, green
 * only when images landed and nothing went wrong. URLs skipped because they failed before are named,
 * with the way to try them again; failed URLs and the input's own problems are named apart, each
 * with its reasons.
 */
export function importNote(summary: ImportSummary, what: string): { kind: 'success' | 'info' | 'error'; text: string } {
  // Tag files (an earlier classify's output): merged into a run, as `qc import` says it.
  if (summary.tags) return { kind: summary.cancelled ? 'info' : 'success', text: `${what}${summary.cancelled ? ' cancelled' : ''}: merged ${tagMergeText(summary.tags)}.` };
  const stored = summary.images_new + summary.images_existing;
  const split = splitFailureReasons(summary);
  const list = (l: [FailureReason, number][]) => l.map(([r, n]) => `${n} ${r}`).join(', ');
  const reasons = list(split.urls);
  // A row kept without its ancestry (bad_ancestry) was read: it is said apart, not among those that could not be.
  const rowReasons = list(split.input.filter(([r]) => r !== 'bad_ancestry'));
  const kp = summary.rows_kept_with_problems ?? 0;
  const keptProblems = kp > 0 ? ` ${countOf(kp, 'row')} kept without ${noun(kp, 'its', 'their')} ancestry: see the failures below.` : '';
  const before = summary.failed_before ?? 0;
  const skipped = summary.skipped_files ? ` ${skippedFilesText(summary.skipped_files)}.` : '';
  const retry = before > 0 ? ` ${before} of them failed in an earlier import and were not tried again: use Retry failed.` : '';
  const n = summary.row_problems;
  // A folder's problems are its entries not imported; a file's, its rows that could not be read.
  const inputWhat = summary.kind === 'folder' ? noun(n, 'entry of the folder', 'entries of the folder') : noun(n, 'row');
  const rows =
    n > 0
      ? ` ${n} ${inputWhat} could not be read${rowReasons ? ` (${rowReasons})` : ''}: see the failures below.`
      : '';
  // An edited file imported again: the rows it no longer has are gone, their images' labels derived again.
  const r = summary.rows_removed ?? 0;
  const removed = r > 0 ? ` ${countOf(r, 'row')} of an earlier import of this file that it no longer has removed: the labels of their images were derived again without them.` : '';
  // Lines still there but unreadable now: what they stored before is kept, and said.
  const k = summary.rows_kept_unreadable ?? 0;
  const keptRows = k > 0 ? ` ${countOf(k, 'row')} of an earlier import kept: ${noun(k, 'its line is', 'their lines are')} in the file but cannot be read now (fix or remove ${noun(k, 'it', 'them')} and import again).` : '';
  // Rows not counted twice, images whose ratings disagree: said, and never green.
  const counted = importCountNotes(summary)
    .map((note) => ` ${note[0]!.toUpperCase()}${note.slice(1)}.`)
    .join('');
  if (summary.cancelled) return { kind: 'info', text: `${what} cancelled: ${summary.images_new} new, ${stored - summary.images_new} already stored, ${summary.failed} failed.${rows}${keptProblems}${removed}${keptRows}${skipped}${counted}` };
  if (stored === 0 && summary.failed > 0) {
    return { kind: 'error', text: `${what}: ${summary.failed === 1 ? 'its 1 image could not be stored' : `none of ${summary.failed} images could be stored`}${reasons ? ` (${reasons})` : ''}.${retry}${before ? '' : ' See the failures below; check the mirror folder or the URLs.'}${rows}${keptProblems}${removed}${keptRows}${counted}` };
  }
  if (stored === 0 && n > 0) return { kind: 'error', text: `${what}: nothing was stored.${rows}${keptProblems}${removed}${keptRows}${counted}` };
  // Every row is in the library already, from another file: nothing new, and nothing wrong.
  if (stored === 0 && summary.rows_already_imported) return { kind: 'info', text: `${what}: nothing new.${removed}${counted}` };
  if (stored === 0) {
    const where = summary.kind === 'retry' ? ' there were no failed URLs to try again.' : summary.kind === 'folder' ? ` no images found in ${summary.source}.` : ` ${summary.source} names no images.`;
    return { kind: 'info', text: `${what}: nothing was stored:${where}${removed}${skipped}` };
  }
  if (summary.failed > 0) return { kind: 'info', text: `${what}: ${summary.images_new} new, ${summary.images_existing} already stored, ${summary.failed} failed${reasons ? ` (${reasons})` : ''}.${retry}${rows}${keptProblems}${removed}${keptRows}${skipped}${counted}` };
  if (rows || keptProblems || removed || skipped || counted) return { kind: 'info', text: `${what}: ${summary.images_new} new, ${summary.images_existing} already stored.${rows}${keptProblems}${removed}${keptRows}${skipped}${counted}` };
  return { kind: 'success', text: `${what}: ${summary.images_new} new, ${summary.images_existing} already stored. Next: train a model on the Train screen.` };
}

/**
 * Whether an import's error is about its path itself (no such file or folder, not readable, a
 * refused source argument), not about what the file holds (an error at one of its lines) or the mirrors.
 */
function aboutPath(e: unknown, source: string): boolean {
  const q = toQcError(e);
  if (q.code === 'invalid_argument') return q.detail?.path[0] === 'source';
  return q.code !== 'cancelled' && q.file === source && q.line === undefined;
}


/** What saving a label rule says: how many import labels changed, or, cancelled part way, that the others follow later. */
export function ruleSavedToast(r: { relabelled: number; unfinished?: true; folder_decided?: number }): { kind: 'success' | 'info'; text: string } {
  const folders = r.folder_decided ? ` ${folderDecidedText(r.folder_decided)}` : '';
  return r.unfinished
    ? { kind: 'info', text: `Label rule saved; cancelled after ${countOf(r.relabelled, 'import label')} changed: the other import labels follow it the next time the library is opened.${folders}` }
    : { kind: r.folder_decided ? 'info' : 'success', text: `Label rule saved: ${countOf(r.relabelled, 'import label')} changed (curator labels kept). Retrain to use them.${folders}` };
}

export const librarySlice: Slice<LibrarySlice> = (set, get, client) => {
  let statusTimer: ReturnType<typeof setTimeout> | null = null;
  /**
   * The last status reload asked for: an older one's answer (slower) is dropped, and whoever awaits
   * it gets the newest one's instead.
   */
  let statusSeq = 0;
  let statusLatest: Promise<LibraryStatus | null> = Promise.resolve(null);

  const runImport = async (method: 'library.import' | 'library.retryFailed', args: ImportArgs, label: string) => {
    set({ importNoResult: null, importNoResultWhy: null, importPathError: null });
    const before = get().lastImport;
    let why: string | null = null;
    const job = {
      idKey: 'importJobId',
      label,
      context: label,
      keep: (summary: ImportSummary) => ({ lastImport: summary }),
      success: (summary: ImportSummary) => importNote(summary, label),
      after: () => get().libraryChanged(),
      failed: (e: unknown) => {
        why = errorText(e);
        if (method === 'library.import' && aboutPath(e, args.source)) set({ importPathError: why });
      },
    } as const;
    const result = await (method === 'library.import'
      ? runTrackedJob(set, get, { ...job, method, args })
      : runTrackedJob(set, get, { ...job, method, args: { ...(args.mirrors && { mirrors: args.mirrors }) } }));
    if (result === null && get().lastImport === before) set({ importNoResult: method === 'library.retryFailed' ? 'Retry failed' : `The import of ${args.source}`, importNoResultWhy: why });
    return result;
  };

  return {
    status: null,
    statusError: null,
    failures: null,
    failuresError: null,
    importForm: { path: '', kind: 'auto', mirrors: [{ prefix: '', dir: '' }] },
    importJobId: null,
    lastImport: null,
    importNoResult: null,
    importNoResultWhy: null,
    importPathError: null,
    setImportForm(patch) {
      set((s) => ({ importForm: { ...s.importForm, ...patch }, ...(patch.path !== undefined && patch.path !== s.importForm.path && { importPathError: null }) }));
    },
    loadStatus() {
      const seq = ++statusSeq;
      return (statusLatest = (async () => {
        try {
          const status = await client.call('library.status', {});
          if (seq !== statusSeq) return statusLatest;
          set({ status, statusError: null });
          return status;
        } catch (e) {
          if (seq !== statusSeq) return statusLatest; // the newer reload says how it went
          set({ statusError: errorText(e) });
          get().reportError(e, 'Library status');
          return null;
        }
      })());
    },
    scheduleStatusRefresh() {
      if (statusTimer) return;
      statusTimer = setTimeout(() => {
        statusTimer = null;
        void get().loadStatus();
      }, 500);
    },
    async loadFailures(limit = FAILURES_SHOWN) {
      try {
        const r = await client.call('library.failures', { limit });
        set({ failures: { total: r.total, rows: r.failures }, failuresError: null });
      } catch (e) {
        // Said where the list would be too: a toast goes, and none comes while the link is down.
        set({ failuresError: errorText(e) });
        get().reportError(e, 'Failures');
      }
    },
    sources: null,
    async loadSources() {
      try {
        set({ sources: await client.call('library.sources', {}) });
      } catch (e) {
        get().reportError(e, 'Imports and bundles');
      }
    },
    async libraryChanged() {
      await Promise.all([get().loadStatus(), get().loadFailures(), get().loadSources(), get().loadRule()]);
      get().refreshView('review');
    },
    labelRule: null,
    labelRuleError: null,
    ruleDraft: null,
    ruleSaving: false,
    async loadRule() {
      try {
        const rule = await client.call('labels.getRule', {});
        // An edit that now matches the rule in force has nothing left to save.
        set((s) => ({ labelRule: rule, labelRuleError: null, ruleDraft: s.ruleDraft && sameRule(s.ruleDraft.rule, rule) ? null : s.ruleDraft }));
      } catch (e) {
        set({ labelRuleError: errorText(e) });
        get().reportError(e, 'Label rule');
      }
    },
    editRule(rule) {
      const base = get().ruleDraft?.base ?? get().labelRule;
      if (!base) return;
      set({ ruleDraft: sameRule(rule, base) ? null : { rule, base } });
    },
    revertRule() {
      set({ ruleDraft: null });
    },
    async saveRule() {
      const draft = get().ruleDraft;
      if (!draft || get().ruleSaving) return;
      set({ ruleSaving: true });
      try {
        // A job: on a large library the labels follow for minutes, shown in the job bar with their
        // progress and a Cancel (which keeps the new rule; the other labels follow it at the next open).
        const r = await get().startJob('labels.setRule', { rule: draft.rule, expected: draft.base }, { label: 'Label rule change' }).promise;
        set((s) => ({ labelRule: r.rule, ruleDraft: s.ruleDraft === draft ? null : s.ruleDraft }));
        const told = ruleSavedToast(r);
        get().toast(told.kind, told.text);
        void get().loadStatus();
        get().refreshView('review');
      } catch (e) {
        get().reportError(e, 'Label rule');
        // Changed elsewhere since the edit began: show the rule in force (the message says to make the change again).
        if (toQcError(e).code === 'conflict') {
          set({ ruleDraft: null });
          await get().loadRule();
        }
      } finally {
        set({ ruleSaving: false });
      }
    },
    async startImport() {
      const f = get().importForm;
      const source = f.path.trim();
      const refuse = (text: string) => {
        set({ importPathError: text });
        get().toast('error', text);
        return null;
      };
      if (!source) return refuse('Type or paste the path of a ratings, exemplar or bundle file, or a folder');
      if (!isHttpUrl(source) && !isAbsolutePath(source)) {
        return refuse(`Type the whole path, from the top (/… or C:\\…), or an http(s) URL: "${source}" would be looked up from the folder the app was started in`);
      }
      const mirrors = cleanMirrors(f.mirrors);
      const args: ImportArgs = { source, ...(f.kind !== 'auto' && { kind: f.kind }), ...(mirrors.length && { mirrors }) };
      return runImport('library.import', args, 'Import');
    },
    async loadDemo() {
      const job = get().startJob('demo.load', { train: true }, { label: 'Demo library' });
      set({ importJobId: job.id, importNoResult: null, importNoResultWhy: null });
      let answered = false;
      try {
        const r = await job.promise;
        answered = true;
        set({ lastImport: r.import });
        const stored = r.import.images_new + r.import.images_existing;
        const photos = `${stored} of ${r.import.rows} photos imported`;
        const complete = !r.import.cancelled && r.run?.status === 'done';
        if (complete) get().toast('success', `Demo library: ${photos} · run ${r.run!.run_id} trained`);
        else if (r.run?.status === 'failed') get().toast('error', `Demo library: ${photos}, but training failed: ${r.run.error ?? 'no reason given'}`);
        else {
          const what = r.import.cancelled ? `Demo library cancelled: ${photos}` : `Demo library: ${photos}; training cancelled`;
          get().toast('info', `${what}, no run trained. "Finish loading the demo" on this screen completes it.`);
        }
        await Promise.all([get().loadStatus(), get().loadFailures(), get().loadRuns(), get().loadSources()]);
        await get().loadScores();
        if (complete) get().setScreen('review');
        return complete;
      } catch (e) {
        if (!answered) set({ importNoResult: "The demo's load", importNoResultWhy: errorText(e) });
        get().reportError(e, 'Demo library');
        await get().loadStatus();
        return false;
      } finally {
        if (get().importJobId === job.id) set({ importJobId: null });
      }
    },
    async retryFailed() {
      const mirrors = cleanMirrors(get().importForm.mirrors);
      return runImport('library.retryFailed', { source: '', ...(mirrors.length && { mirrors }) }, 'Retry failed');
    },
  };
};
