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

/**
 * The bar's line, with `| eta …` only once something is done and cli-progress has a finite
 * estimate: before, it holds "0" (no estimate yet), and with no rate (nothing done since, or no time
 * passed) or one too slow "INF" or "NULL", which its time format printed as "eta NFs".
 */
function barFormat(line: string): CliProgress.GenericFormatter {
  return (options, params, payload) => {
    const eta = Number(params.eta);
    const format = params.value > 0 && Number.isFinite(eta) ? `${line} | eta {eta_formatted}` : line;
    return cliProgress.Format.Formatter({ ...options, format }, params, payload);
  };
}

export function progressView(enabled = Boolean(process.stderr.isTTY), stream: NodeJS.WritableStream = process.stderr): ProgressView {
  if (!enabled) return { update: () => {}, stop: () => {} };
  let bar: CliProgress.SingleBar | null = null;
  let phase = '';
  let said = '';
  return {
    update(p) {
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
      if (!bar || phase !== p.phase) {
        bar?.stop();
        phase = p.phase;
        const line = `${phaseName(p).padEnd(p.job.length + 10)} [{bar}] {value}/{total} {percentage}% | failed {failed}`;
        bar = new cliProgress.SingleBar({ stream, format: barFormat(line), hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(p.total, p.done, { failed: p.failed ?? 0 });
      }
      bar.setTotal(p.total);
      bar.update(p.done, { failed: p.failed ?? 0 });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
