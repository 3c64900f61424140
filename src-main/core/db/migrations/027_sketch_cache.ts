/**
 * The slider's sketch of a run's predictions kept in the library (review/sketch.ts SketchCache), so
 * that the first `review.scores` after the app opens reads one row instead of counting every scored
 * image over the (run_id, p_bad) index and passing over the held-out ones with their labels: at a
 * million images, on a file out of the page cache, that first call took 1.3–1.6 s.
 *
 * A row is only a cache, never the truth: it is used while `change_counts.scores` (migration 019)
 * still has the value it was made at and the grid has the same number of bins, and its held-out
 * counts are brought up to date from the `label_events` after `held_last_event` (or made again);
 * anything else and the sketch is counted from scratch, as before. Deleting every row is always safe.
 *
 * The held-out counts also read the stored splits (a run's out-of-fold images leave out the test
 * split, runs.ts outOfFoldSql), which a training run writes before it scores anything, and which a
 * run that then fails or is cancelled leaves changed. So a change of the splits moves
 * `change_counts.scores` too, as a changed prediction does.
 */
export const sql = /* sql */ `
CREATE TABLE sketch_cache (
  run_id          INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  bins            INTEGER NOT NULL,  -- the grid's bins (SKETCH_BINS when made)
  scores_change   INTEGER NOT NULL,  -- change_counts.scores when made
  all_counts      TEXT NOT NULL,     -- JSON: every scored image per bin (bins + 1 numbers)
  held_extra      TEXT,              -- JSON: the off-grid thresholds the held-out counts were made at
  held_last_event INTEGER,           -- the newest label_events id they include
  held_counts     TEXT               -- JSON: { bad, good, points } (sketch.ts HeldoutCounts)
);

CREATE TRIGGER splits_scores_insert AFTER INSERT ON splits BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'scores';
END;
CREATE TRIGGER splits_scores_update AFTER UPDATE ON splits BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'scores';
END;
CREATE TRIGGER splits_scores_delete AFTER DELETE ON splits BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'scores';
END;
`;
