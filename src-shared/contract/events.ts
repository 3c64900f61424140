/** Push events: what the core tells every open view (and the CLI's progress bar) while it works. */
import type { LabelChange } from '../domain/library';

export interface JobProgress {
  /** What is running, e.g. `import`, `embed`, `train`. */
  job: string;
  /** The current phase, e.g. `rows`, `download`. */
  phase: string;
  done: number;
  total: number;
  failed?: number;
  message?: string;
}

export interface EventMap {
  'job.progress': JobProgress;
  'label.changed': { changes: LabelChange[] };
}

export type EventName = keyof EventMap;
export type EventListener<E extends EventName> = (payload: EventMap[E]) => void;
