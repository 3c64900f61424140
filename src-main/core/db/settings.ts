/** Library settings: JSON values by key, stored in the database so every client sees the same. */
import type { Db } from './open';

/** Every settings key, spelled once. */
export const SETTING = {
  /** The run a curator picked (null: the newest finished run). */
  activeRun: 'active_run',
  /** How rating classes become labels. */
  labelRule: 'label_rule',
  /** A rule change whose relabelling is under way (labels.ts RelabelState); absent when none is. */
  labelRelabel: 'label_relabel',
  /** A whole-library embedding under way in some process (embedService.ts EmbeddingState); absent when none is. */
  embedding: 'embedding',
  /** A request, from another process on this library, that run N stop training (trainService.ts `cancel`); removed when the run ends. */
  cancelTraining: (runId: number) => `cancel_training:${runId}`,
  /** The execution provider a backbone last ran on. */
  provider: (backbone: string) => `provider:${backbone}`,
} as const;

export function getSetting<T>(db: Db, key: string, fallback: T): T {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : fallback;
}

export function setSetting(db: Db, key: string, value: unknown): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
}
