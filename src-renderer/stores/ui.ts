/** Which screen is shown, the connection state, and start-up. */
import type { ConnectionState } from '../api/client';
import type { EndedJobs } from '../features/shell/leaveGuard';
import { setPrefs } from '../features/review/prefs';
import type { Slice } from './types';
import { verdictEchoes } from './verdictEchoes';

export const SCREENS = ['review', 'issues', 'train', 'library', 'export'] as const;
/** At start-up, how long the slider's data waits for the gallery's first thumbnails at most. */
export const FIRST_TILES_WAIT_MS = 1000;
/**
 * How long the reaction to `library.changed` waits for the rest of a burst: another program's
 * import is announced once a second by the watcher, and each reaction asks for the status, the
 * failures, the sources, the rule, the gallery, the issues and the slider's counts again.
 */
export const LIBRARY_REFRESH_MS = 300;
export type Screen = (typeof SCREENS)[number];

export interface UiSlice {
  screen: Screen;
  connection: ConnectionState;
  /**
   * The long jobs the page before this one in the tab was running when it was reloaded or left,
   * which that cancelled (features/shell/leaveGuard.ts); null when none. The Train screen tells its
   * run, still listed `running` while the core cancels it, from another window's training.
   */
  endedJobs: EndedJobs | null;
  initialised: boolean;
  setScreen(screen: Screen): void;
  /** Load what every screen needs and pick the landing screen (Review when the library has images). */
  init(): Promise<void>;
  /** Subscribe to push events and connection changes; returns the unsubscribe. */
  connect(): () => void;
}

export const uiSlice: Slice<UiSlice> = (set, get, client) => {
  let initPromise: Promise<void> | null = null;
  return {
  screen: 'library',
  connection: 'open',
  endedJobs: null,
  initialised: false,
  setScreen(screen) {
    if (screen === get().screen) return;
    if (get().preview.open) get().closePreview();
    set({ screen });
  },
  init() {
    // Once per store (React's StrictMode runs effects twice in development).
    initPromise ??= (async () => {
      const status = await get().loadStatus();
      const screen = status && status.images > 0 ? 'review' : 'library';
      if (screen !== 'review') {
        set({ screen, initialised: true });
        await Promise.all([get().loadScores(), get().loadRuns()]);
        return;
      }
      // The gallery's first page and its thumbnails before the slider's data: the core answers one
      // call at a time (thumbnails included) and the scores take a while at a million images; the
      // page needs no threshold from them (the core uses its threshold in force). 'loading' until
      // then, so the screen does not ask first.
      set({ screen, initialised: true, scoresStatus: 'loading' });
      await get().loadFirstPage('review').catch(() => {});
      if ((get().views.review.total ?? 0) > 0) await get().whenTilesShown('review', FIRST_TILES_WAIT_MS);
      await Promise.all([get().loadScores(), get().loadRuns()]);
    })();
    return initPromise;
  },
  connect() {
    const offLabels = client.on('label.changed', ({ changes }) => {
      get().applyChanges(changes);
      get().scheduleStatusRefresh();
      // The slider's coverage and error (and the Train screen's out-of-fold counts) count today's labels.
      get().scheduleScoresRefresh();
    });
    const offThreshold = client.on('threshold.changed', (p) => get().applyThresholdChange(p));
    // A run started, ended, was archived or became active (here or in another window): the runs table follows.
    const offRuns = client.on('runs.changed', () => void get().loadRuns());
    // Images or labels changed in bulk (an import, a classified bundle, a rule change; here or in another window).
    // One reaction per burst: the first event waits LIBRARY_REFRESH_MS for the rest, and events
    // heard while a reaction is under way bring one more after it, never one each.
    let libraryTimer: ReturnType<typeof setTimeout> | null = null;
    let reacting = false;
    let reactAgain = false;
    // A reason other than `issues` heard since the last reaction: everything is reloaded, else only
    // the issue views (a verdict here or elsewhere changes which issues are open, nothing else).
    let wholeLibrary = false;
    const reactToLibrary = async () => {
      libraryTimer = null;
      if (reacting) {
        reactAgain = true;
        return;
      }
      reacting = true;
      try {
        do {
          reactAgain = false;
          const whole = wholeLibrary;
          wholeLibrary = false;
          get().refreshView('issues');
          // Predictions (a classified bundle, merged tag files) or labels (an import, a rule change)
          // changed in bulk: the slider's counts follow, the slider stays where it is.
          if (whole) await Promise.all([get().libraryChanged(), get().refreshScores()]);
          // Only verdicts: Review's tiles show whether their issue is still open.
          else get().refreshView('review');
        } while (reactAgain);
      } finally {
        reacting = false;
      }
    };
    const offLibrary = client.on('library.changed', (e) => {
      // A verdict given in this window: its views followed when the answer came (verdictEchoes.ts).
      if (e.reason === 'issues' && e.reviewed && verdictEchoes(client).isEcho(e.reviewed)) return;
      if (e.reason !== 'issues') wholeLibrary = true;
      libraryTimer ??= setTimeout(() => void reactToLibrary(), LIBRARY_REFRESH_MS);
    });
    // Desktop menu items: File → Import…/Export… open those screens; Help → Keyboard shortcuts shows the keys.
    const offMenu = client.on('app.menu', ({ command }) => {
      if (command === 'import') get().setScreen('library');
      else if (command === 'export') get().setScreen('export');
      else if (command === 'shortcuts') {
        get().setScreen('review');
        setPrefs({ helpOpen: true });
      }
    });
    let wasClosed = false;
    const offConn = client.onConnection?.((state) => {
      set({ connection: state });
      if (state === 'closed') wasClosed = true;
      if (state === 'open' && wasClosed) {
        wasClosed = false;
        // Back after a drop: whatever changed meanwhile is reloaded (the events sent while it was
        // down are lost: labels, the threshold in force, the runs and the active one, imports that
        // ended — the status, failures, imports and rule, then Review's tiles: libraryChanged).
        void get().libraryChanged();
        void get().loadRuns();
        void get().loadScores();
        get().refreshView('issues');
      }
    });
    return () => {
      offLabels();
      offThreshold();
      offRuns();
      offLibrary();
      if (libraryTimer) clearTimeout(libraryTimer);
      offMenu();
      offConn?.();
    };
  },
};
};
