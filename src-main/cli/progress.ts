/**
 * A progress bar on stderr for long work, shown only when stderr is a terminal. A phase without a
 * count (`waiting` for another process's embedding, say) is said once in a line of its own: a
 * terminal that shows nothing for minutes looks hung.
 */
import type CliProgress from 'cli-progress';
import type { JobProgress } from '../../src-shared/contract/events';
import { deferredPackage } from '../core/deferred';

export interface ProgressView {
  update(p: JobProgress): void;
  stop(): void;
}

/** Loaded with the first bar, not with every command (core/deferred.ts). */
const cliProgress = deferredPackage<typeof CliProgress>('cli-progress');

/** A phase as the line names it: `train augment`, but `embed` for the embedding's phase of the same name, not `embed embed`. */
function phaseName(p: JobProgress): string {
  return p.phase === p.job ? p.job : `${p.job} ${p.phase}`;
}

/** An estimate is given once a phase has run this long (s) and moved this share of its total (as the app's bar, ProgressBar.estimateLeft). */
export const ETA_AFTER_S = 2;
export const ETA_AFTER_SHARE = 0.01;

/**
 * Seconds left in a phase at its average rate since it began (null for its first ETA_AFTER_S
 * seconds and until ETA_AFTER_SHARE of it is done): the whole phase, not the last few updates, so a stretch of instant
 * steps (an import's URLs of pictures already stored) beside slow ones (new pictures) does not throw
 * the estimate between a second and hours (cli-progress's own estimate, from its last 10 updates,
 * did: a 20,000-row classify showed 1h0m, 24m35s, 5m15s and 30m10s within 15 s).
 */
export function phaseEta(began: { at: number; done: number }, now: number, done: number, total: number): number | null {
  const elapsed = (now - began.at) / 1000;
  const moved = done - began.done;
  // Not from a phase's first instants: one quick step in its first milliseconds said "eta 0s".
  if (moved <= 0 || elapsed < ETA_AFTER_S || moved < ETA_AFTER_SHARE * total) return null;
  return Math.max(0, (total - done) / (moved / elapsed));
}

/** Seconds as the bar says them: `42s`, `5m15s`, `2h03m`. */
export function etaWords(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function progressView(enabled = Boolean(process.stderr.isTTY), stream: NodeJS.WritableStream = process.stderr): ProgressView {
  if (!enabled) return { update: () => {}, stop: () => {} };
  let bar: CliProgress.SingleBar | null = null;
  let phase = '';
  let said = '';
  let began = { at: 0, done: 0 };
  const warned = new Set<string>();
  return {
    update(p) {
      // A warning is said once, on a line of its own above the bar (which starts again under it).
      if (p.warning && !warned.has(p.warning)) {
        warned.add(p.warning);
        bar?.stop();
        bar = null;
        stream.write(`${phaseName(p)}: warning: ${p.warning}\n`);
      }
      if (p.total <= 0) {
        const line = p.message ? `${phaseName(p)}: ${p.message}` : '';
        if (line && line !== said) {
          bar?.stop();
          bar = null;
          stream.write(`${line}\n`);
          said = line;
        }
        return;
      }
      // Failures are said once there are some (a later phase's "failed 0" read as if the downloads'
      // failures were gone), and the ETA once the phase's average rate gives one.
      const extra = () => {
        const eta = phaseEta(began, Date.now(), p.done, p.total);
        return { failedText: p.failed ? ` | failed ${p.failed}` : '', etaText: eta === null ? '' : ` | eta ${etaWords(eta)}` };
      };
      if (!bar || phase !== p.phase) {
        bar?.stop();
        // A bar started again under a warning keeps its phase's start (the ETA's average).
        if (phase !== p.phase) began = { at: Date.now(), done: p.done };
        phase = p.phase;
        const line = `${phaseName(p).padEnd(p.job.length + 10)} [{bar}] {value}/{total} {percentage}%{failedText}{etaText}`;
        bar = new cliProgress.SingleBar({ stream, format: line, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(p.total, p.done, extra());
      }
      bar.setTotal(p.total);
      bar.update(p.done, extra());
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
