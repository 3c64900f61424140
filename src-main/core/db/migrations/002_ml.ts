/** The ML engine: cached features, duplicate groups and stored splits, training runs and their results. */
export const sql = /* sql */ `
-- 64-bit difference hash (hex) of each image, for finding near-duplicates.
ALTER TABLE images ADD COLUMN dhash TEXT;

-- Cached features: float32 little-endian vectors keyed by picture, extractor and preprocessing version.
CREATE TABLE features (
  sha256    TEXT NOT NULL,
  extractor TEXT NOT NULL, -- backbone id + '/whole' or '/crops', or 'signals'
  version   TEXT NOT NULL, -- preprocessing version
  dim       INTEGER NOT NULL,
  vector    BLOB NOT NULL,
  PRIMARY KEY (sha256, extractor, version)
) WITHOUT ROWID;

-- The stored, deterministic split of labelled images; near-duplicates share a group and a side.
CREATE TABLE splits (
  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
  group_id INTEGER NOT NULL,
  split    TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
  fold     INTEGER NOT NULL -- 0..k-1 for out-of-fold predictions
);
CREATE INDEX splits_group ON splits (group_id);

CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
  params        TEXT NOT NULL, -- JSON: feature sets, head hyperparameters
  backbone      TEXT NOT NULL,
  provider      TEXT,
  backend       TEXT,
  snapshot      TEXT, -- JSON: label counts per split
  snapshot_hash TEXT, -- sha256 of the labelled set (image sha, label) used
  seconds       REAL,
  metrics       TEXT, -- JSON: held-out test metrics
  evaluation    TEXT, -- JSON: confusion, histograms, curves, recommended thresholds
  model         TEXT, -- JSON: the trained head
  error         TEXT,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at   TEXT
);

CREATE TABLE run_epochs (
  run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch          INTEGER NOT NULL,
  train_loss     REAL NOT NULL,
  train_accuracy REAL NOT NULL,
  val_loss       REAL,
  val_accuracy   REAL,
  seconds        REAL NOT NULL,
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

-- p(bad) for every image a run scored: held-out predictions for labelled images
-- (out-of-fold for train/validation, the run's model for test) and plain predictions for the rest.
CREATE TABLE predictions (
  run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  p_bad    REAL NOT NULL,
  heldout  INTEGER NOT NULL DEFAULT 0, -- 1 when the image's label was not used to train this prediction
  PRIMARY KEY (run_id, image_id)
) WITHOUT ROWID;
CREATE INDEX predictions_run_p ON predictions (run_id, p_bad);

-- Probably-mislabelled images found by confident learning, ranked.
CREATE TABLE label_issues (
  run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  image_id        INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  rank            INTEGER NOT NULL,
  given           TEXT NOT NULL,
  suggested       TEXT NOT NULL,
  self_confidence REAL NOT NULL,
  PRIMARY KEY (run_id, image_id)
) WITHOUT ROWID;
`;
