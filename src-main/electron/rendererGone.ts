/**
 * The window's page process went away (a crash, the OS killed it, out of memory): the window would
 * stay blank. Offer to reload the page or quit. A clean exit (the window closing) is not a loss.
 * The page's calls were already ended by the IPC bridge (ipcBridge.ts), so a reload starts afresh.
 */

/** Electron's RenderProcessGoneDetails, as far as used here. */
export interface GoneDetails {
  reason: string;
  exitCode?: number;
}

export interface GoneTarget {
  isDestroyed(): boolean;
  reload(): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Electron's overloads give each event its own arguments
  on(event: string, listener: (...args: any[]) => void): unknown;
}

export interface GoneActions {
  /** Ask the user: true reloads the page, false quits. */
  ask(details: GoneDetails): Promise<boolean>;
  quit(): void;
  log?(line: string): void;
}

/** What the dialog says about it, in words. */
export function goneText(details: GoneDetails): string {
  const why: Record<string, string> = {
    crashed: 'crashed',
    oom: 'ran out of memory',
    killed: 'was killed',
    'abnormal-exit': 'ended abnormally',
    'launch-failed': 'could not start',
    'integrity-failure': 'failed a code integrity check',
  };
  const code = details.exitCode !== undefined ? ` (exit code ${details.exitCode})` : '';
  return `The window's page ${why[details.reason] ?? `stopped (${details.reason})`}${code}. Work that was running in it was stopped; the library keeps what was saved.`;
}

/** Watch a window's webContents: when its page process goes (not a clean exit), ask to reload it or quit. */
export function watchRendererGone(contents: GoneTarget, actions: GoneActions): void {
  let asking = false;
  contents.on('render-process-gone', (_event: unknown, details: GoneDetails) => {
    if (details.reason === 'clean-exit' || asking) return;
    actions.log?.(`[qc] the window's page process went away: ${details.reason}${details.exitCode !== undefined ? ` (exit code ${details.exitCode})` : ''}`);
    asking = true;
    void actions
      .ask(details)
      .catch(() => true)
      .then((reload) => {
        asking = false;
        if (!reload) actions.quit();
        else if (!contents.isDestroyed()) contents.reload();
      });
  });
}
