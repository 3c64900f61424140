import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiClient } from '../../api/client';
import { createAppStore, useApp, useAppStore, type AppStore } from '../../stores/app';
import { AppProvider } from './AppProvider';
import { SCREENS, type Screen } from '../../stores/ui';
import { JobBar } from '../../components/JobBar';
import { Toasts } from '../../components/Toasts';
import { fmtCount, fmtInt } from '../../components/format';
import { ExportScreen } from '../export/ExportScreen';
import { IssuesScreen } from '../issues/IssuesScreen';
import { useOpenIssues } from '../issues/openIssues';
import { LibraryScreen } from '../library/LibraryScreen';
import { ReviewScreen } from '../review/ReviewScreen';
import { TrainScreen } from '../train/TrainScreen';
import { NoSession } from './NoSession';
import { installLeaveGuard, reportEndedJobs, takeEndedJobs } from './leaveGuard';
import { focusLost, focusScreenHeading } from '../train/focus';
import { prefs, setPrefs } from '../review/prefs';

const APP_NAME = 'Quality Curator';
const TITLES: Record<Screen, string> = { review: 'Review', issues: 'Label issues', train: 'Train', library: 'Library', export: 'Export' };

function Nav() {
  const store = useAppStore();
  const screen = useApp((s) => s.screen);
  const images = useApp((s) => s.status?.images ?? null);
  const reviewTotal = useApp((s) => s.views.review.total);
  const activeRun = useApp((s) => s.activeRunId);
  const openIssues = useOpenIssues();
  // Label issues: the open issues within confident learning's estimate, then "(+M)" for those the
  // screen lists beyond it, so the badge never reads 0 beside a screen that still lists issues.
  const issuesWords =
    openIssues.total === null ? '' : `${fmtCount(openIssues.total, 'open label issue')} within the estimate of wrong labels${openIssues.beyond ? `, then ${fmtInt(openIssues.beyond)} beyond it` : ''}`;
  const issuesBadge =
    openIssues.total === null ? null : (
      <span title={issuesWords}>
        <span data-testid="nav-issues-open">{fmtInt(openIssues.total)}</span>
        {openIssues.beyond > 0 && <span data-testid="nav-issues-beyond"> (+{fmtInt(openIssues.beyond)})</span>}
      </span>
    );
  // Each badge as shown, and in words for the button's accessible name (a bare "Library300" or
  // "Label issues6 (+3)" says nothing of what is counted).
  const badge: Partial<Record<Screen, { shown: ReactNode; words: string }>> = {
    issues: issuesBadge ? { shown: issuesBadge, words: issuesWords } : undefined,
    review: reviewTotal !== null ? { shown: fmtInt(reviewTotal), words: `${fmtCount(reviewTotal, 'image')} in the gallery` } : undefined,
    library: images !== null ? { shown: fmtInt(images), words: `${fmtCount(images, 'image')} in the library` } : undefined,
    train: activeRun !== null ? { shown: `run ${activeRun}`, words: `run ${activeRun} is active` } : undefined,
  };
  return (
    <nav className="nav" aria-label="Screens">
      <h1 className="nav__brand">Quality Curator</h1>
      {SCREENS.map((s) => (
        <button
          key={s}
          type="button"
          className={`nav__item${s === screen ? ' nav__item--active' : ''}`}
          aria-current={s === screen ? 'page' : undefined}
          onClick={() => store.getState().setScreen(s)}
          data-testid={`nav-${s}`}
        >
          <span>{TITLES[s]}</span>
          {badge[s] && (
            <span className="nav__badge">
              <span aria-hidden="true">{badge[s].shown}</span>
              <span className="sr-only">{`, ${badge[s].words}`}</span>
            </span>
          )}
        </button>
      ))}
      <ConnectionNote />
    </nav>
  );
}

/**
 * The link to the core, in words, in a polite live region: while it is down every failing call is
 * kept quiet (stores/toasts.ts reportError), so this is where a curator (and a screen reader) learns
 * it dropped. A dropped link flips between closed and connecting as it is tried again: the words stay
 * the same throughout, so they are announced once, not at every try.
 */
function ConnectionNote() {
  const connection = useApp((s) => s.connection);
  const dropped = useRef(false);
  if (connection === 'closed') dropped.current = true;
  else if (connection === 'open') dropped.current = false;
  const words = connection === 'open' ? 'connected' : dropped.current ? 'not connected: reconnecting…' : 'connecting…';
  return (
    <div className="nav__foot" role="status" data-testid="connection-note">
      <span className={`dot dot--${connection}`} data-testid="connection" data-state={connection} aria-hidden="true" /> {words}
    </div>
  );
}

function CurrentScreen() {
  const screen = useApp((s) => s.screen);
  switch (screen) {
    case 'review':
      return <ReviewScreen />;
    case 'issues':
      return <IssuesScreen />;
    case 'train':
      return <TrainScreen />;
    case 'export':
      return <ExportScreen />;
    case 'library':
    default:
      return <LibraryScreen />;
  }
}

/**
 * A screen shown by something other than the sidebar (the desktop menu's Import…/Export…, a link of
 * another screen) unmounts the control that had the focus with the screen it was on: focus fell to
 * <body>, a screen reader heard nothing of the new screen and Tab started over from the top. Then
 * the new screen's heading takes it. The galleries of Review and Label issues take it themselves
 * (review/keys.ts useGalleryKeys); the landing screen at start-up is left alone.
 */
function useFocusOnScreenChange(screen: Screen, initialised: boolean) {
  const shown = useRef<Screen | null>(null);
  useEffect(() => {
    if (!initialised) return;
    const before = shown.current;
    shown.current = screen;
    if (before === null || before === screen || screen === 'review' || screen === 'issues') return;
    if (focusLost()) focusScreenHeading();
  }, [screen, initialised]);
}

/** The tab's title names the screen shown, for screen readers, the tab strip and the browser's history. */
function useDocumentTitle(screen: Screen, initialised: boolean, expired: boolean) {
  useEffect(() => {
    const before = document.title;
    document.title = expired ? `The session ended – ${APP_NAME}` : initialised ? `${TITLES[screen]} – ${APP_NAME}` : APP_NAME;
    return () => {
      document.title = before;
    };
  }, [screen, initialised, expired]);
}

function Shell() {
  const initialised = useApp((s) => s.initialised);
  const expired = useApp((s) => s.connection === 'expired');
  const screen = useApp((s) => s.screen);
  useFocusOnScreenChange(screen, initialised);
  useDocumentTitle(screen, initialised, expired);
  if (expired) return <NoSession expired />;
  return (
    <div className="app" data-testid="app" data-ready={initialised ? 'true' : 'false'}>
      <Nav />
      <main className="main">{initialised ? <CurrentScreen /> : <div className="screen muted">Opening the library…</div>}</main>
      <JobBar />
      <Toasts />
    </div>
  );
}

/** The app over a client: builds the store, subscribes to events, loads the landing screen. */
export function App({ client, store: given }: { client: ApiClient; store?: AppStore }) {
  const [store] = useState(() => given ?? createAppStore(client));
  useEffect(() => {
    const off = store.getState().connect();
    void store.getState().init();
    return off;
  }, [store]);
  // Leaving the page cancels its jobs: the browser asks first while one runs (not the desktop app,
  // which asks itself), and the next page in the tab says what was ended (leaveGuard.ts).
  useEffect(() => installLeaveGuard(store, window, { prompt: !window.bridge }), [store]);
  useEffect(() => reportEndedJobs(store, takeEndedJobs(window)), [store]);
  // The key help and the comparison belong to the screen they were opened on: another screen
  // closes them (before it renders, so it never shows them with its own data).
  useEffect(
    () =>
      store.subscribe((s, before) => {
        if (s.screen !== before.screen && (prefs().helpOpen || prefs().compare)) setPrefs({ helpOpen: false, compare: null });
      }),
    [store],
  );
  return (
    <AppProvider client={client} store={store}>
      <Shell />
    </AppProvider>
  );
}

/** The root: the app when there is a session, else the no-session screen (which calls nothing). */
export function Root({ client }: { client: ApiClient | null }) {
  return client ? <App client={client} /> : <NoSession />;
}
