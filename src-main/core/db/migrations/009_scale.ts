/**
 * A library of a million images: indexes for every gallery filter and sort, the label counts of
 * `qc status`, and the slider's held-out counts; and the distinct ancestries in their own table
 * (`taxa`, kept by triggers), so a taxon filter matches a few thousand distinct ancestries instead
 * of parsing the JSON of every source row.
 */
export const sql = /* sql */ `
-- Held-out predictions of a run in image order, with their scores (the slider's coverage and
-- error counts read them with each image's label, in one pass of in-order lookups).
CREATE INDEX predictions_run_heldout ON predictions (run_id, heldout, image_id, p_bad);

-- Each prediction carries a copy of its image's label and origin (kept by triggers), so the
-- gallery's label, outcome (tp/fp/tn/fn) and origin filters walk an index already in score order.
ALTER TABLE predictions ADD COLUMN label TEXT;
ALTER TABLE predictions ADD COLUMN origin TEXT;
UPDATE predictions SET (label, origin) = (SELECT l.label, l.origin FROM labels l WHERE l.image_id = predictions.image_id);
CREATE INDEX predictions_image ON predictions (image_id);
CREATE INDEX predictions_run_label_p ON predictions (run_id, label, p_bad);
CREATE INDEX predictions_run_origin_p ON predictions (run_id, origin, p_bad);
CREATE TRIGGER predictions_label_copy AFTER INSERT ON predictions BEGIN
  UPDATE predictions SET (label, origin) = (SELECT l.label, l.origin FROM labels l WHERE l.image_id = NEW.image_id)
  WHERE run_id = NEW.run_id AND image_id = NEW.image_id;
END;
CREATE TRIGGER labels_copy_insert AFTER INSERT ON labels BEGIN
  UPDATE predictions SET label = NEW.label, origin = NEW.origin WHERE image_id = NEW.image_id;
END;
CREATE TRIGGER labels_copy_update AFTER UPDATE OF label, origin ON labels BEGIN
  UPDATE predictions SET label = NEW.label, origin = NEW.origin WHERE image_id = NEW.image_id;
END;

-- Label and origin filters, and the counts by label and origin (replaces labels_label).
CREATE INDEX labels_label_origin ON labels (label, origin);
DROP INDEX labels_label;

-- The label-issue view, in rank order.
CREATE INDEX label_issues_run_rank ON label_issues (run_id, rank);

-- What each import brought (the Library's list of sources counts it per import).
CREATE INDEX image_urls_import ON image_urls (import_id, image_id);
CREATE INDEX source_rows_import ON source_rows (import_id);

-- Distinct ancestries; every source row points at its own.
CREATE TABLE taxa (
  id       INTEGER PRIMARY KEY,
  ancestry TEXT NOT NULL UNIQUE
);
ALTER TABLE source_rows ADD COLUMN taxon_id INTEGER REFERENCES taxa (id);
INSERT OR IGNORE INTO taxa (ancestry) SELECT DISTINCT ancestry FROM source_rows WHERE ancestry IS NOT NULL;
UPDATE source_rows SET taxon_id = (SELECT t.id FROM taxa t WHERE t.ancestry = source_rows.ancestry) WHERE ancestry IS NOT NULL;
-- Covering (with the url): a taxon's images are found without reading the rows themselves.
CREATE INDEX source_rows_taxon ON source_rows (taxon_id, url);
CREATE TRIGGER source_rows_taxon_insert AFTER INSERT ON source_rows WHEN NEW.ancestry IS NOT NULL BEGIN
  -- Not INSERT OR IGNORE: inside a trigger the outer statement's conflict rule wins, and an upsert's is ABORT.
  INSERT INTO taxa (ancestry) SELECT NEW.ancestry WHERE NOT EXISTS (SELECT 1 FROM taxa WHERE ancestry = NEW.ancestry);
  UPDATE source_rows SET taxon_id = (SELECT t.id FROM taxa t WHERE t.ancestry = NEW.ancestry) WHERE id = NEW.id;
END;
CREATE TRIGGER source_rows_taxon_update AFTER UPDATE OF ancestry ON source_rows BEGIN
  INSERT INTO taxa (ancestry) SELECT NEW.ancestry WHERE NEW.ancestry IS NOT NULL AND NOT EXISTS (SELECT 1 FROM taxa WHERE ancestry = NEW.ancestry);
  UPDATE source_rows SET taxon_id = (SELECT t.id FROM taxa t WHERE t.ancestry = NEW.ancestry) WHERE id = NEW.id;
END;
`;
