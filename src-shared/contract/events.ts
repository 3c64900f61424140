/** Push events: what the core tells every open view (and the CLI's progress bar) while it works. */
import type { LabelChange } from '../domain/library';
import type { EpochStats, ThresholdInForce } from '../domain/ml';

export interface JobProgress {
  /** What is running, e.g. `import`, `embed`, `train`. */
  job: string;
  /** The current phase, e.g. `rows`, `download`. */
  phase: string;
  done: number;
  total: number;
  failed?: number;
  message?: string;
  /** Training: the epoch that just finished (train and validation loss and accuracy). */
  epoch?: EpochStats;
}

/** What a desktop menu item asks the page to do (File → Import…, Export…; Help → Keyboard shortcuts). */
export const MENU_COMMANDS = ['import', 'export', 'shortcuts'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export interface EventMap {
  'job.progress': JobProgress;
  'label.changed': { changes: LabelChange[] };
  /**
   * The threshold for export changed (the curator's, or the active run and so its recommendation):
   * every open view shows the new one (two tabs never disagree about what an export would use).
   */
  'threshold.changed': { curator: number | null; active_run: number | null; in_force: ThresholdInForce | null };
  /** Desktop app only: a menu item for the page to carry out (browser mode never sends it). */
  'app.menu': { command: MenuCommand };
}

export type EventName = keyof EventMap;
export type EventListener<E extends EventName> = (payload: EventMap[E]) => void;
