/**
 * "Browse…": a native open dialog through the optional `shell.openDialog` method. Only the desktop
 * app answers it; elsewhere (browser mode) the button is not shown and paths are typed or dropped.
 */
import { isCancelled } from '../api/client';
import { useAppStore, useClient } from '../stores/app';

/** Whether this window is the desktop app's (the preload bridge is there). */
export function hasNativeDialogs(): boolean {
  return typeof window !== 'undefined' && window.bridge !== undefined;
}

export function BrowseButton({ select, title, onPick, testId }: { select: 'file' | 'folder'; title: string; onPick(path: string): void; testId: string }) {
  const client = useClient();
  const store = useAppStore();
  if (!hasNativeDialogs()) return null;
  const pick = async () => {
    try {
      const r = await client.call('shell.openDialog', { select, title });
      if (r.paths[0]) onPick(r.paths[0]);
    } catch (e) {
      if (!isCancelled(e)) store.getState().reportError(e, title);
    }
  };
  return (
    <button type="button" className="btn btn--small" onClick={() => void pick()} data-testid={testId}>
      {select === 'folder' ? 'Choose folder…' : 'Choose file…'}
    </button>
  );
}
