/**
 * Leaving the page (a reload, a closed tab, another address) ends this page's session with the core
 * (qc serve cancels a closed socket's calls; the desktop app a navigated page's), so every long job
 * this page runs (a training, a classify, an export, an import) is cancelled with it. Two things:
 *
 * - While a job runs, the browser asks first (its standard "Leave site?" dialog, from `beforeunload`).
 *   Not in the desktop app: there a `beforeunload` that objects cancels the close with no dialog at
 *   all, and the app asks itself before a close or quit stops running calls (electron/quitGuard.ts).
 * - When the page goes anyway, the jobs it was running are written to the tab's session storage,
 *   and the page loaded next in the tab says which were ended and why (a toast), and the Train
 *   screen does not take this tab's own training, still listed `running` while the core cancels it,
 *   for another window's.
 */
import type { Method } from '../../../src-shared/contract/handlers';
import { countOf } from '../../../src-shared/domain/words';
import type { AppStore } from '../../stores/app';

/** Where a page leaves what it was running for the next page of its tab. */
export const ENDED_JOBS_KEY = 'qc.endedJobs';
/** A record older than this is not told (the tab was reopened from history much later). */
export const ENDED_JOBS_MAX_AGE_MS = 10 * 60_000;

/** The long jobs a page was running when it went away. */
export interface EndedJobs {
  /** When the page went, ms since the epoch. */
  at: number;
  jobs: { method: Method; label: string }[];
  /** The run its training had created (listed `running` until the core has cancelled it), or null. */
  runId: number | null;
}

type GuardWindow = Pick<Window, 'addEventListener' | 'removeEventListener'> & { sessionStorage?: Storage };

const storageOf = (win: { sessionStorage?: Storage }): Storage | null => {
  try {
    return win.sessionStorage ?? null;
  } catch {
    return null; // storage blocked: reading the property throws
  }
};

/** What this page is running now, or null when nothing. */
export function runningJobs(store: AppStore, now = Date.now()): EndedJobs | null {
  const s = store.getState();
  if (!s.jobs.length) return null;
  // While this page trains, the run listed `running` by this core is its own (one training at a time).
  const runId = s.training ? (s.runs.find((r) => r.status === 'running' && r.trainer?.here !== false)?.run_id ?? null) : null;
  return { at: now, jobs: s.jobs.map((j) => ({ method: j.method, label: j.label })), runId };
}

/** Watch the page's unload: ask first while a job runs (`prompt`), and leave a record of the jobs it ends. Returns the unsubscribe. */
export function installLeaveGuard(store: AppStore, win: GuardWindow, { prompt }: { prompt: boolean }): () => void {
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (!prompt || !store.getState().jobs.length) return;
    e.preventDefault();
    // Chromium before 119 and Electron-less older browsers ask only when returnValue is set.
    e.returnValue = '';
  };
  const onPageHide = () => {
    const ended = runningJobs(store);
    if (!ended) return;
    try {
      storageOf(win)?.setItem(ENDED_JOBS_KEY, JSON.stringify(ended));
    } catch {
      // storage full or blocked: the next page cannot say it, nothing else is lost
    }
  };
  const onPageShow = (e: PageTransitionEvent) => {
    // Back from the back-forward cache: this very page lives on, with its jobs (if its session did).
    if (e.persisted) storageOf(win)?.removeItem(ENDED_JOBS_KEY);
  };
  win.addEventListener('beforeunload', onBeforeUnload);
  win.addEventListener('pagehide', onPageHide);
  win.addEventListener('pageshow', onPageShow);
  return () => {
    win.removeEventListener('beforeunload', onBeforeUnload);
    win.removeEventListener('pagehide', onPageHide);
    win.removeEventListener('pageshow', onPageShow);
  };
}

/** The record the page before this one in the tab left (removed as it is read), or null. */
export function takeEndedJobs(win: { sessionStorage?: Storage }, now = Date.now()): EndedJobs | null {
  const storage = storageOf(win);
  let raw: string | null = null;
  try {
    raw = storage?.getItem(ENDED_JOBS_KEY) ?? null;
    storage?.removeItem(ENDED_JOBS_KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const e = JSON.parse(raw) as EndedJobs;
    if (!Array.isArray(e.jobs) || !e.jobs.length || typeof e.at !== 'number' || now - e.at > ENDED_JOBS_MAX_AGE_MS) return null;
    return { at: e.at, jobs: e.jobs.filter((j) => typeof j.label === 'string'), runId: typeof e.runId === 'number' ? e.runId : null };
  } catch {
    return null;
  }
}

/** What the toast after the reload says of `ended`. */
export function endedJobsText(ended: EndedJobs): string {
  const names = ended.jobs.map((j) => (j.method === 'ml.train' && ended.runId !== null ? `${j.label} (run ${ended.runId})` : j.label));
  const n = names.length;
  return (
    `This page was reloaded or left while ${countOf(n, 'job')} ran here (${names.join(', ')}): leaving the page cancels its jobs, so ${n === 1 ? 'it was' : 'they were'} cancelled` +
    `${ended.runId !== null ? `, and run ${ended.runId} is kept as cancelled` : ''}. Start ${n === 1 ? 'it' : 'them'} again if needed.`
  );
}

/** Tell what the page before this one ended (once), and keep it for the Train screen (its run, until it is no longer running). */
export function reportEndedJobs(store: AppStore, ended: EndedJobs | null): void {
  if (!ended) return;
  store.setState({ endedJobs: ended });
  store.getState().toast('error', endedJobsText(ended));
}
