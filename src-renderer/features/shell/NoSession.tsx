/** Shown when the page was opened without a session: no bridge (Electron) and no token in the URL. */
export function NoSession({ expired = false }: { expired?: boolean }) {
  return (
    <div className="nosession" data-testid="no-session" data-expired={expired ? 'true' : 'false'}>
      <div className="nosession__card">
        <h1>Quality Curator</h1>
        <h2>{expired ? 'The session ended' : 'No session'}</h2>
        {expired && (
          <p data-testid="session-expired">
            <code>qc serve</code> was restarted or stopped, and its new session has a new token. Everything you labelled is stored. Open the new link it printed.
          </p>
        )}
        <p>This page needs the access token that <code>qc serve</code> prints when it starts. Open the link it printed, which looks like:</p>
        <pre>http://127.0.0.1:5174/#token=…</pre>
        <p className="muted">
          Start it with <code>npm run --silent qc -- serve</code>, or use the desktop app (<code>npm start</code>). Nothing is loaded from the library until a session is open.
        </p>
      </div>
    </div>
  );
}
