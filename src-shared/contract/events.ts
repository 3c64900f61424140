/** Push events: what the core tells every open view (and the CLI's progress bar) while it works. */
import type { LabelChange } from '../domain/library';
import type { EpochStats, IssueReviewAction, StoredVerdict, ThresholdInForce } from '../domain/ml';

export interface JobProgress {
  /** What is running, e.g. `import`, `embed`, `train`. */
  job: string;
  /** The current phase, e.g. `rows`, `download`. */
  phase: string;
  done: number;
  total: number;
  failed?: number;
  message?: string;
  /** Something the curator should act on while the job goes on (an import's mirror that holds none of its files): said once by the CLI, kept on the app's bar. */
  warning?: string;
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
  /**
   * The runs changed: one started, ended (done, failed, cancelled), was archived or restored, or
   * became active. Every open view reloads its runs (the runs table, the active run on the sidebar).
   */
  'runs.changed': { active_run: number | null };
  /**
   * Images, labels or scores changed in bulk (an import or a retry, a classified bundle, a
   * rating-rule change that relabelled, tag files merged into a run's predictions): too many to
   * send one by one as `label.changed`, so every open view reloads its counts, galleries and label issues.
   * `elsewhere`: another program on the library (`qc`, another window, `qc serve`) changed its
   * images, imports, scores or very many labels (src-main/core/watch.ts).
   * `issues`: a curator's verdict on label issues (confirmed, dismissed or reopened): only the open
   * issues changed (their counts, the Label issues list, the issue badges); nothing else needs
   * reloading. `reviewed`, when present, names the images and the verdict, so a view applies it in
   * place (the window that gave it may hear it too: applying it twice changes nothing); without it
   * (another program's verdict, `qc issues --confirm`, seen by the watcher) a view counts again.
   * `restored`, with a reopen: the verdicts an undo put back on a label those images no longer have
   * (they hold again if the label comes back).
   */
  'library.changed':
    | { reason: 'import' | 'classify' | 'rule' | 'tags' | 'elsewhere' }
    | { reason: 'issues'; reviewed?: { imageIds: number[]; action: IssueReviewAction; restored?: StoredVerdict[] } };
  /** Desktop app only: a menu item for the page to carry out (browser mode never sends it). */
  'app.menu': { command: MenuCommand };
}

export type EventName = keyof EventMap;

/** The core's events, which every transport (IPC, `qc serve`, the tests' in-memory one) forwards to its pages; `app.menu` is the desktop shell's own. */
export const CORE_EVENTS = ['label.changed', 'job.progress', 'threshold.changed', 'runs.changed', 'library.changed'] as const satisfies readonly EventName[];
export type EventListener<E extends EventName> = (payload: EventMap[E]) => void;
