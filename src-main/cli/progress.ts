/** A progress bar on stderr for long work, shown only when stderr is a terminal. */
import cliProgress from 'cli-progress';
import type { JobProgress } from '../../src-shared/contract/events';

export interface ProgressView {
  update(p: JobProgress): void;
  stop(): void;
}

export function progressView(enabled = Boolean(process.stderr.isTTY)): ProgressView {
  if (!enabled) return { update: () => {}, stop: () => {} };
  let bar: cliProgress.SingleBar | null = null;
  let phase = '';
  return {
    update(p) {
      if (p.total <= 0) return;
      if (!bar || phase !== p.phase) {
        bar?.stop();
        phase = p.phase;
        bar = new cliProgress.SingleBar(
          { stream: process.stderr, format: `${p.job} ${p.phase.padEnd(9)} [{bar}] {value}/{total} {percentage}% | failed {failed} | eta {eta_formatted}`, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
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
