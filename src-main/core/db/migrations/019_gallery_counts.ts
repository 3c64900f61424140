/**
 * The Review screen's first page after a label change without a pass over the library:
 *
 * - `prediction_counts`: each run's predictions counted per label and origin (the copies migration
 *   009 keeps on each prediction), kept by triggers. The gallery's total for "every prediction of
 *   the run" and for its label and origin filters, and the check that every image is scored, read a
 *   few rows here instead of counting a million index entries after every keystroke.
 * - `change_counts`: two numbers that move whenever what a source filter or its score order reads
 *   changes: `sources` (image_urls, source_rows, bundle_items: which images an import or a bundle
 *   holds) and `scores` (a prediction added, removed or rescored). A label change moves neither, so
 *   the gallery keeps an import's or a bundle's images, in score order (`review/page.ts`), across
 *   label changes and serves each page from them by index.
 *
 * Decrements only update (the row exists: it was incremented first); increments add a missing row
 * first (not INSERT OR IGNORE: inside a trigger the outer statement's conflict rule wins).
 */
export const sql = /* sql */ `
CREATE TABLE prediction_counts (
  run_id INTEGER NOT NULL,
  label  TEXT NOT NULL,  -- good, bad or none
  origin TEXT NOT NULL,  -- import, curator or none
  n      INTEGER NOT NULL,
  PRIMARY KEY (run_id, label, origin)
) WITHOUT ROWID;
INSERT INTO prediction_counts (run_id, label, origin, n)
  SELECT run_id, COALESCE(label, 'none'), COALESCE(origin, 'none'), COUNT(*) FROM predictions GROUP BY 1, 2, 3;

CREATE TABLE change_counts (
  key TEXT PRIMARY KEY,  -- 'sources' or 'scores'
  n   INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO change_counts (key, n) VALUES ('sources', 0), ('scores', 0);

CREATE TRIGGER predictions_count_insert AFTER INSERT ON predictions BEGIN
  INSERT INTO prediction_counts (run_id, label, origin, n)
    SELECT NEW.run_id, COALESCE(NEW.label, 'none'), COALESCE(NEW.origin, 'none'), 0
    WHERE NOT EXISTS (SELECT 1 FROM prediction_counts WHERE run_id = NEW.run_id AND label = COALESCE(NEW.label, 'none') AND origin = COALESCE(NEW.origin, 'none'));
  UPDATE prediction_counts SET n = n + 1 WHERE run_id = NEW.run_id AND label = COALESCE(NEW.label, 'none') AND origin = COALESCE(NEW.origin, 'none');
  UPDATE change_counts SET n = n + 1 WHERE key = 'scores';
END;
CREATE TRIGGER predictions_count_delete AFTER DELETE ON predictions BEGIN
  UPDATE prediction_counts SET n = n - 1 WHERE run_id = OLD.run_id AND label = COALESCE(OLD.label, 'none') AND origin = COALESCE(OLD.origin, 'none');
  UPDATE change_counts SET n = n + 1 WHERE key = 'scores';
END;
CREATE TRIGGER predictions_count_update AFTER UPDATE OF run_id, label, origin ON predictions
  WHEN OLD.run_id IS NOT NEW.run_id OR OLD.label IS NOT NEW.label OR OLD.origin IS NOT NEW.origin BEGIN
  UPDATE prediction_counts SET n = n - 1 WHERE run_id = OLD.run_id AND label = COALESCE(OLD.label, 'none') AND origin = COALESCE(OLD.origin, 'none');
  INSERT INTO prediction_counts (run_id, label, origin, n)
    SELECT NEW.run_id, COALESCE(NEW.label, 'none'), COALESCE(NEW.origin, 'none'), 0
    WHERE NOT EXISTS (SELECT 1 FROM prediction_counts WHERE run_id = NEW.run_id AND label = COALESCE(NEW.label, 'none') AND origin = COALESCE(NEW.origin, 'none'));
  UPDATE prediction_counts SET n = n + 1 WHERE run_id = NEW.run_id AND label = COALESCE(NEW.label, 'none') AND origin = COALESCE(NEW.origin, 'none');
END;
CREATE TRIGGER predictions_scores_update AFTER UPDATE OF run_id, image_id, p_bad ON predictions BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'scores';
END;
CREATE TRIGGER runs_counts_delete AFTER DELETE ON runs BEGIN
  DELETE FROM prediction_counts WHERE run_id = OLD.id;
END;

CREATE TRIGGER image_urls_sources_insert AFTER INSERT ON image_urls BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'sources';
END;
CREATE TRIGGER image_urls_sources_delete AFTER DELETE ON image_urls BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'sources';
END;
CREATE TRIGGER image_urls_sources_update AFTER UPDATE ON image_urls BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'sources';
END;
CREATE TRIGGER source_rows_sources_insert AFTER INSERT ON source_rows BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'sources';
END;
CREATE TRIGGER source_rows_sources_delete AFTER DELETE ON source_rows BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'sources';
END;
CREATE TRIGGER source_rows_sources_update AFTER UPDATE OF url, import_id ON source_rows BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'sources';
END;
CREATE TRIGGER bundle_items_sources_insert AFTER INSERT ON bundle_items BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'sources';
END;
CREATE TRIGGER bundle_items_sources_delete AFTER DELETE ON bundle_items BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'sources';
END;
CREATE TRIGGER bundle_items_sources_update AFTER UPDATE ON bundle_items BEGIN
  UPDATE change_counts SET n = n + 1 WHERE key = 'sources';
END;
`;
