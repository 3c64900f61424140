/**
 * `qc status` and the app's start at a million images: the counts they show (images, images per
 * rating class, labels per label and origin) kept in a small table by triggers, instead of
 * counting a million rows at every call (about 0.4 s at 1M images). Every key exists from the
 * start (labels and rating classes have fixed values), so the triggers only update.
 */
export const sql = /* sql */ `
CREATE TABLE library_counts (
  key TEXT PRIMARY KEY,  -- 'images', 'rating:K' (K = 1..5), 'label:L:O' (L = good, bad or none; O = import or curator)
  n   INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO library_counts (key, n) VALUES ('images', 0),
  ('rating:1', 0), ('rating:2', 0), ('rating:3', 0), ('rating:4', 0), ('rating:5', 0),
  ('label:good:import', 0), ('label:bad:import', 0), ('label:none:import', 0),
  ('label:good:curator', 0), ('label:bad:curator', 0), ('label:none:curator', 0);
UPDATE library_counts SET n = (SELECT COUNT(*) FROM images) WHERE key = 'images';
UPDATE library_counts SET n = (SELECT COUNT(*) FROM images WHERE 'rating:' || rating_class = library_counts.key) WHERE key LIKE 'rating:%';
UPDATE library_counts SET n = (SELECT COUNT(*) FROM labels WHERE 'label:' || COALESCE(label, 'none') || ':' || origin = library_counts.key) WHERE key LIKE 'label:%';

CREATE TRIGGER images_count_insert AFTER INSERT ON images BEGIN
  UPDATE library_counts SET n = n + 1 WHERE key IN ('images', 'rating:' || NEW.rating_class);
END;
CREATE TRIGGER images_count_delete AFTER DELETE ON images BEGIN
  UPDATE library_counts SET n = n - 1 WHERE key IN ('images', 'rating:' || OLD.rating_class);
END;
CREATE TRIGGER images_count_rating AFTER UPDATE OF rating_class ON images WHEN OLD.rating_class IS NOT NEW.rating_class BEGIN
  UPDATE library_counts SET n = n - 1 WHERE key = 'rating:' || OLD.rating_class;
  UPDATE library_counts SET n = n + 1 WHERE key = 'rating:' || NEW.rating_class;
END;

CREATE TRIGGER labels_count_insert AFTER INSERT ON labels BEGIN
  UPDATE library_counts SET n = n + 1 WHERE key = 'label:' || COALESCE(NEW.label, 'none') || ':' || NEW.origin;
END;
CREATE TRIGGER labels_count_delete AFTER DELETE ON labels BEGIN
  UPDATE library_counts SET n = n - 1 WHERE key = 'label:' || COALESCE(OLD.label, 'none') || ':' || OLD.origin;
END;
CREATE TRIGGER labels_count_update AFTER UPDATE OF label, origin ON labels
  WHEN OLD.label IS NOT NEW.label OR OLD.origin IS NOT NEW.origin BEGIN
  UPDATE library_counts SET n = n - 1 WHERE key = 'label:' || COALESCE(OLD.label, 'none') || ':' || OLD.origin;
  UPDATE library_counts SET n = n + 1 WHERE key = 'label:' || COALESCE(NEW.label, 'none') || ':' || NEW.origin;
END;
`;
