/**
 * The signals that stop a command, and how a second one quits: one home for `qc`'s long commands
 * (main.ts withCore) and `qc serve`.
 */
import os from 'node:os';

/**
 * The signals that cancel a long command as Ctrl-C does: SIGTERM (`kill`, `timeout`, systemd) and
 * SIGHUP (the terminal closed) too, or the work under way would die half done (an import left
 * `running` until the next open settles it). A second one quits at once.
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The exit status of a command a signal stopped: 128 + its number, as a shell reports a process the signal killed (130, 143, 129). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + os.constants.signals[signal];
}

/**
 * A second stopping signal: quit at once, ended by the signal itself (its default action, the
 * handlers removed), as a shell reports it: 128 + its number (130 after Ctrl-C). Not process.exit:
 * that tears down the worker threads' native modules while onnxruntime runs in them, which aborts
 * (`terminate called after throwing an instance of 'Napi::Error'`, exit 134, a core file). The
 * library is left as a kill leaves it: consistent, settled at the next open.
 */
export function quitAtOnce(signal: StopSignal): void {
  for (const s of STOP_SIGNALS) process.removeAllListeners(s);
  process.kill(process.pid, signal);
  // The signal ends the process as it is sent; should it be held up, the exit says the same.
  setTimeout(() => process.exit(signalExitCode(signal)), 1000).unref();
}

let terminalGone = false;

/**
 * What `qc` prints that has nowhere to go is dropped quietly, never a stack trace and exit 1: output
 * piped into a reader that stops early (`| head`, `| grep -q`, a pager quit: EPIPE), and anything
 * after SIGHUP ({@link ignoreClosedTerminal}). Other write errors are thrown as before. Installed
 * once, by main.ts.
 */
export function guardOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && !terminalGone) throw e;
    });
  }
}

/**
 * After SIGHUP the terminal is gone: what is still written (a line, the answer) has nowhere to go,
 * and a write's error (EIO, EPIPE) must not end the process before the cancel has settled.
 */
export function ignoreClosedTerminal(): void {
  terminalGone = true;
}
