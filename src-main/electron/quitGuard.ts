/**
 * Closing the window or quitting while calls run (an import, a training) would stop them unasked:
 * ask first — Stop and Quit, or Keep Working. Without Electron: main.ts wires the window's `close`
 * and the app's `before-quit` to it and passes the dialog in.
 */

import { noun } from '../../src-shared/domain/words';

export interface Preventable {
  preventDefault(): void;
}

export interface QuitGuardDeps {
  /** Calls running now. */
  inFlight(): number;
  /** Ask; true stops them (and closes or quits), false keeps working. */
  ask(kind: 'close' | 'quit', running: number): Promise<boolean>;
}

export class QuitGuard {
  /** A quit is under way (confirmed, or nothing was running): windows close without asking. */
  private quitting = false;
  /** The next close of the window was confirmed. */
  private closeConfirmed = false;
  private asking = false;

  constructor(private readonly d: QuitGuardDeps) {}

  /** The window's `close` event; `close` closes it again once the user chose to stop. */
  onClose(event: Preventable, close: () => void): void {
    if (this.quitting) return;
    if (this.closeConfirmed) {
      this.closeConfirmed = false;
      return;
    }
    this.confirm(event, 'close', () => {
      this.closeConfirmed = true;
      close();
    });
  }

  /** The app's `before-quit` event (Ctrl+Q, Cmd+Q, the menu's Quit or Exit); `quit` quits again once confirmed. */
  onBeforeQuit(event: Preventable, quit: () => void): void {
    if (this.quitting) return;
    if (this.d.inFlight() === 0) {
      this.quitting = true;
      return;
    }
    this.confirm(event, 'quit', () => {
      this.quitting = true;
      quit();
    });
  }

  private confirm(event: Preventable, kind: 'close' | 'quit', go: () => void): void {
    const running = this.d.inFlight();
    if (running === 0) return;
    event.preventDefault();
    if (this.asking) return;
    this.asking = true;
    void this.d
      .ask(kind, running)
      .catch(() => false)
      .then((stop) => {
        this.asking = false;
        if (stop) go();
      });
  }
}

/** The dialog's words. */
export function quitQuestion(kind: 'close' | 'quit', running: number): { message: string; detail: string; buttons: [string, string] } {
  const what = running === 1 ? 'A job is still running' : `${running} jobs are still running`;
  return {
    message: what,
    detail: `${kind === 'quit' ? 'Quitting' : 'Closing the window'} stops ${noun(running, 'it', 'them')}; an import keeps what it has stored, a training is left unfinished.`,
    buttons: [kind === 'quit' ? 'Stop and Quit' : 'Stop and Close', 'Keep Working'],
  };
}
