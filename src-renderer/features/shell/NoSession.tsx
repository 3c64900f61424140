import { useContext, useEffect } from 'react';
import type { Method } from '../../../src-shared/contract/handlers';
import { tokenFromHash } from '../../api/client';
import { AppContext } from '../../stores/app';
import { countOf, noun } from '../../../src-shared/domain/words';

/** The calls that change labels or a verdict on one: what a curator would count as "what I labelled". */
const LABEL_CHANGES: ReadonlySet<Method> = new Set<Method>(['labels.set', 'labels.undo', 'ml.reviewIssues']);

const changes = (n: number) => countOf(n, 'label change');

/**
 * What became of this page's label changes when the session ended, from what the link lost: those
 * never sent were not saved (and were put back on screen), those sent as the link dropped may or
 * may not have been. Nothing is claimed when the page cannot know (no client, or none lost).
 */
function LostChanges() {
  const client = useContext(AppContext)?.client;
  const lost = client?.lostCalls?.();
  if (!lost) return null;
  const unsent = lost.unsent.filter((m) => LABEL_CHANGES.has(m)).length;
  const unanswered = lost.unanswered.filter((m) => LABEL_CHANGES.has(m)).length;
  if (!unsent && !unanswered) return null;
  return (
    <p data-testid="session-lost" data-unsent={unsent} data-unanswered={unanswered}>
      {unsent ? `${changes(unsent)} made while the link was down ${noun(unsent, 'was', 'were')} not saved; ${noun(unsent, 'it was', 'they were')} put back on screen. ` : ''}
      {unanswered ? `${changes(unanswered)} sent as the link dropped may not have been saved. ` : ''}
      Look at {noun(unsent + unanswered, 'it', 'them')} again in the new session.
    </p>
  );
}

const reloadPage = () => window.location.reload();

/**
 * The link qc serve prints, at this page's own address: qc serve served this page and its API is at
 * the same address (api/client.ts pickClient), on whatever port it was started with (`--port`).
 */
function exampleLink(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' || protocol === 'http:' ? `${protocol}//${host}` : 'http://127.0.0.1:5174'}/#token=…`;
}

/**
 * The new link qc serve printed, pasted into this tab, differs from the old one only by its hash when
 * qc serve came back on the same address: the browser changes the hash and loads nothing, and the
 * page would stay here. A hash that carries a token loads the page again, with it.
 */
function useReloadOnNewLink(active: boolean, reload: () => void) {
  useEffect(() => {
    if (!active) return;
    const onHash = () => {
      if (tokenFromHash(window.location.hash)) reload();
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [active, reload]);
}

/**
 * Shown when the page was opened without a session (no bridge (Electron) and no token in the URL:
 * main.tsx reloads when a token is pasted), or when the session ended (`expired`: this screen does).
 */
export function NoSession({ expired = false, reload = reloadPage }: { expired?: boolean; reload?: () => void }) {
  useReloadOnNewLink(expired, reload);
  return (
    // The page's main landmark (the app's is in its shell, which this replaces).
    <main className="nosession" data-testid="no-session" data-expired={expired ? 'true' : 'false'}>
      <div className="nosession__card">
        <h1>Quality Curator</h1>
        <h2>{expired ? 'The session ended' : 'No session'}</h2>
        {expired && (
          <p data-testid="session-expired">
            <code>qc serve</code> was restarted or stopped, and its new session has a new token. Open the new link it printed.
          </p>
        )}
        {expired && <LostChanges />}
        <p>This page needs the access token that <code>qc serve</code> prints when it starts. Open the link it printed, which looks like:</p>
        <pre>{exampleLink()}</pre>
        <p className="muted">
          Start it with <code>npm run --silent qc -- serve</code>, or use the desktop app (<code>npm start</code>). Nothing is loaded from the library until a session is open.
        </p>
      </div>
    </main>
  );
}
