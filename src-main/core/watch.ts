/**
 * Changes made by other programs on this library (`qc label`, `qc threshold`, `qc train`, a second
 * app window or `qc serve`): the core's own writes are announced by its handlers, another
 * connection's are not, so while anyone listens to the core's events this watcher polls
 * `PRAGMA data_version` (it moves exactly when another connection committed) and, when it moved,
 * works out what changed from counters the library already keeps (the label history's last id,
 * `library_counts`, `change_counts`, the imports, the runs and the active run, the verdicts on
 * label issues) and emits the
 * events the core's own handlers would have sent: `label.changed` (the other program's label
 * events; `library.changed` when there are too many), `library.changed` with reason `elsewhere`
 * (images, sources or scores) or `issues` (verdicts on label issues, `label_reviews`),
 * `runs.changed`, `threshold.changed`.
 *
 * A poll where nothing moved is one pragma. The core's own writes never move `data_version`, so the
 * watcher's events cannot set off more of them; what the core changed and announced itself is taken
 * into the watcher's picture quietly (`resync`), so it is not announced a second time.
 */
import type { EventMap, EventName } from '../../src-shared/contract/events';
import type { LabelChange } from '../../src-shared/domain/library';
import type { Db } from './db/open';
import { SETTING } from './db/settings';
import type { RunStore } from './ml/runs';

/** How often the library is looked at while someone listens. */
export const WATCH_INTERVAL_MS = 1000;
/** More label events than this from another program at once are announced as `library.changed`. */
export const WATCH_MAX_LABEL_CHANGES = 1000;

type Emit = <E extends EventName>(name: E, payload: EventMap[E]) => void;

/** What the watcher compares between two data versions. */
interface Picture {
  /** The label history's last event id. */
  labels: number;
  /** Images, ratings, sources, scores and imports (not the label counts: those follow `labels`). */
  library: string;
  /** Every run's id, status, archived flag and curator threshold, and the pinned active run. */
  runs: string;
  /** The curator's verdicts on label issues (label_reviews): how many, the newest, and a sum over which image got which. */
  reviews: string;
}

interface PictureRow {
  dv: number;
  labels: number;
  counts: string | null;
  changes: string | null;
  imports: string | null;
  runs: string | null;
  active: string | null;
  reviews: string;
}

export interface LibraryWatcher {
  /** Poll every `intervalMs` (idempotent). */
  start(): void;
  /** Stop polling (idempotent); `start` again takes up where it left off. */
  stop(): void;
  /** Whether the timer runs. */
  readonly running: boolean;
  /** The core announced a change of its own: take the library as it is now without announcing it. */
  resync(): void;
  /** One poll now (the timer calls this); returns the events it emitted. */
  check(): EventName[];
}

export function createLibraryWatcher(db: Db, runs: RunStore, emit: Emit, { intervalMs = WATCH_INTERVAL_MS }: { intervalMs?: number } = {}): LibraryWatcher {
  const pictureStmt = db.prepare<[string], PictureRow>(/* sql */ `
    SELECT (SELECT data_version FROM pragma_data_version) AS dv,
      (SELECT COALESCE(MAX(id), 0) FROM label_events) AS labels,
      (SELECT group_concat(key || '=' || n, ',') FROM (SELECT key, n FROM library_counts WHERE key NOT LIKE 'label:%' ORDER BY key)) AS counts,
      (SELECT group_concat(key || '=' || n, ',') FROM (SELECT key, n FROM change_counts ORDER BY key)) AS changes,
      (SELECT COALESCE(MAX(id), 0) || ';' || COALESCE((SELECT group_concat(id, ',') FROM imports WHERE status = 'running'), '') FROM imports) AS imports,
      (SELECT group_concat(id || ':' || status || ':' || archived || ':' || COALESCE(curator_threshold, ''), ',') FROM (SELECT * FROM runs ORDER BY id)) AS runs,
      (SELECT value FROM settings WHERE key = ?) AS active,
      (SELECT COUNT(*) || ':' || COALESCE(MAX(created_at), '') || ':' || TOTAL(CASE action WHEN 'confirmed' THEN image_id ELSE -image_id END) FROM label_reviews) AS reviews`);
  const versionStmt = db.prepare<[], number>('SELECT data_version FROM pragma_data_version').pluck();
  const labelEventsStmt = db.prepare<[number, number, number], LabelChange>(
    'SELECT image_id, old_label, new_label, old_origin, new_origin FROM label_events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?',
  );

  const read = (): { dv: number; picture: Picture } => {
    const r = pictureStmt.get(SETTING.activeRun)!;
    return { dv: r.dv, picture: { labels: r.labels, library: `${r.counts ?? ''}|${r.changes ?? ''}|${r.imports ?? ''}`, runs: `${r.runs ?? ''}|${r.active ?? ''}`, reviews: r.reviews } };
  };
  const thresholdNow = (): EventMap['threshold.changed'] => {
    const active = runs.activeRunId();
    return { curator: runs.curatorThreshold(), active_run: active, in_force: active === null ? null : runs.thresholdInForce(active) };
  };

  let version: number | null = null;
  let picture: Picture | null = null;
  let threshold: string | null = null;
  let stale = true;
  let timer: NodeJS.Timeout | null = null;

  /** Reads one consistent snapshot (one read transaction): the data version and the counters agree. */
  const snapshot = db.transaction(() => {
    const dv = versionStmt.get()!;
    if (dv === version && !stale) return null;
    return read();
  });

  const check = (): EventName[] => {
    // A closed library, or one inside a transaction of the core's own (never across an await, but be sure): next time.
    if (!db.open || db.inTransaction) return [];
    const now = snapshot();
    if (!now) return [];
    const before = picture;
    const moved = version !== null && now.dv !== version;
    version = now.dv;
    picture = now.picture;
    stale = false;
    const t = !before || now.picture.runs !== before.runs ? thresholdNow() : null;
    if (!before || !moved) {
      if (t) threshold = JSON.stringify(t);
      return [];
    }
    const emitted: EventName[] = [];
    let bulk = false;
    if (now.picture.labels > before.labels) {
      const changes = labelEventsStmt.all(before.labels, now.picture.labels, WATCH_MAX_LABEL_CHANGES + 1);
      if (changes.length > WATCH_MAX_LABEL_CHANGES) bulk = true;
      else if (changes.length) {
        emit('label.changed', { changes });
        emitted.push('label.changed');
      }
    }
    if (bulk || now.picture.library !== before.library) {
      emit('library.changed', { reason: 'elsewhere' });
      emitted.push('library.changed');
    } else if (now.picture.reviews !== before.reviews) {
      // A verdict given elsewhere (`qc issues --confirm`, another window): the open issues changed.
      emit('library.changed', { reason: 'issues' });
      emitted.push('library.changed');
    }
    if (t) {
      const key = JSON.stringify(t);
      // The runs changed: the threshold in force is announced only when it is not the one last seen.
      if (key !== threshold) {
        threshold = key;
        emit('threshold.changed', t);
        emitted.push('threshold.changed');
      }
      emit('runs.changed', { active_run: t.active_run });
      emitted.push('runs.changed');
    }
    return emitted;
  };

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => {
        try {
          check();
        } catch {
          // a busy or closing library: the next poll tries again
        }
      }, intervalMs);
      timer.unref();
      // The picture to compare with is the library as it is when someone starts listening.
      version = null;
      picture = null;
      try {
        check();
      } catch {
        // taken at the first poll instead
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    get running() {
      return timer !== null;
    },
    resync() {
      stale = true;
    },
    check,
  };
}
