/** The image library: images (content-addressed), URLs, source rows, labels and their history, failures, bundles. */
export const sql = /* sql */ `
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL -- JSON
);

CREATE TABLE imports (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('ratings', 'exemplars', 'bundle', 'folder', 'retry')),
  source      TEXT NOT NULL,
  encoding    TEXT,
  status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'cancelled', 'failed')),
  started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at TEXT,
  summary     TEXT -- JSON ImportSummary
);

-- One row per distinct picture: identity is the sha256 of its bytes.
CREATE TABLE images (
  id           INTEGER PRIMARY KEY,
  sha256       TEXT NOT NULL UNIQUE,
  path         TEXT NOT NULL,  -- original, relative to the data dir
  format       TEXT NOT NULL,
  width        INTEGER NOT NULL,
  height       INTEGER NOT NULL,
  bytes        INTEGER NOT NULL,
  thumb_path   TEXT NOT NULL,
  preview_path TEXT NOT NULL,
  rating       REAL,     -- mean of the raw ratings of every source row that points here
  rating_class INTEGER CHECK (rating_class BETWEEN 1 AND 5),
  exemplar     INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX images_rating_class ON images (rating_class);

-- Every URL (or local file, as file://) that has been stored, mapped to its image.
CREATE TABLE image_urls (
  url        TEXT PRIMARY KEY,
  image_id   INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  import_id  INTEGER REFERENCES imports (id),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;
CREATE INDEX image_urls_image ON image_urls (image_id);

-- Every row of every input file, kept whole (raw JSON of all its columns).
-- (origin, line) is unique, so re-importing a file updates rather than duplicates.
CREATE TABLE source_rows (
  id           INTEGER PRIMARY KEY,
  origin       TEXT NOT NULL,  -- absolute path or URL of the input file, or the folder
  line         INTEGER NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('ratings', 'exemplars', 'bundle', 'folder')),
  url          TEXT NOT NULL,
  eol_id       TEXT,
  rating       REAL,
  exemplar     INTEGER NOT NULL DEFAULT 0,
  folder_label TEXT CHECK (folder_label IN ('good', 'bad')),
  ancestry     TEXT,  -- JSON, null when absent or invalid
  raw          TEXT NOT NULL, -- JSON object of every column
  import_id    INTEGER NOT NULL REFERENCES imports (id),
  UNIQUE (origin, line)
);
CREATE INDEX source_rows_url ON source_rows (url);

CREATE TABLE labels (
  image_id   INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
  label      TEXT CHECK (label IN ('good', 'bad')),
  origin     TEXT NOT NULL CHECK (origin IN ('import', 'curator')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX labels_label ON labels (label);

-- Append-only history of label changes, grouped in batches (one import, one curator action, one undo).
CREATE TABLE label_batches (
  id         INTEGER PRIMARY KEY,
  actor      TEXT NOT NULL CHECK (actor IN ('import', 'curator', 'undo', 'rule')),
  reverts    INTEGER REFERENCES label_batches (id), -- for undo batches
  import_id  INTEGER REFERENCES imports (id),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE label_events (
  id         INTEGER PRIMARY KEY,
  batch_id   INTEGER NOT NULL REFERENCES label_batches (id),
  image_id   INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  old_label  TEXT,
  new_label  TEXT,
  old_origin TEXT,
  new_origin TEXT
);
CREATE INDEX label_events_batch ON label_events (batch_id);
CREATE INDEX label_events_image ON label_events (image_id);
CREATE TRIGGER label_events_append_only_u BEFORE UPDATE ON label_events BEGIN SELECT RAISE(ABORT, 'label_events is append-only'); END;
CREATE TRIGGER label_events_append_only_d BEFORE DELETE ON label_events BEGIN SELECT RAISE(ABORT, 'label_events is append-only'); END;

-- What could not be brought in. URL failures (line null) are unique per URL and can be retried;
-- row problems name the file and line.
CREATE TABLE failures (
  id         INTEGER PRIMARY KEY,
  url        TEXT,
  file       TEXT,
  line       INTEGER,
  reason     TEXT NOT NULL,
  detail     TEXT NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 1,
  import_id  INTEGER REFERENCES imports (id),
  stage      TEXT NOT NULL CHECK (stage IN ('fetch', 'row')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX failures_fetch_url ON failures (url) WHERE stage = 'fetch';
CREATE UNIQUE INDEX failures_row ON failures (file, line, reason) WHERE stage = 'row';

CREATE TABLE bundles (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  origin     TEXT NOT NULL UNIQUE,
  columns    TEXT NOT NULL, -- JSON array of the header, or ["eolMediaURL"] for bare URL lists
  format     TEXT NOT NULL CHECK (format IN ('tsv', 'urls')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE bundle_items (
  bundle_id     INTEGER NOT NULL REFERENCES bundles (id) ON DELETE CASCADE,
  line          INTEGER NOT NULL,
  source_row_id INTEGER NOT NULL REFERENCES source_rows (id),
  PRIMARY KEY (bundle_id, line)
) WITHOUT ROWID;
`;
