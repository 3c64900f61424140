/**
 * The label-issue review loop and noise-robust training: a curator's verdict on a suspected label
 * (remembered across retrains while the label stays the same), each issue's ranking score, and the
 * images a noise-robust run left out of its final fit.
 */
export const sql = /* sql */ `
-- 'confirmed': the label is right (full weight in training, never pruned, never listed again);
-- 'dismissed': not an issue worth showing (hidden from the queue). Either holds while labels.label = label.
CREATE TABLE label_reviews (
  image_id   INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
  label      TEXT NOT NULL CHECK (label IN ('good', 'bad')),
  action     TEXT NOT NULL CHECK (action IN ('confirmed', 'dismissed')),
  run_id     INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The ranking score of each issue (lower = more suspicious) and its label weight.
ALTER TABLE label_issues ADD COLUMN score REAL;
ALTER TABLE label_issues ADD COLUMN weight REAL;

-- Images left out of a run's final fit as probably mislabelled (noise: prune).
CREATE TABLE run_pruned (
  run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  given    TEXT NOT NULL,
  p_bad    REAL NOT NULL, -- out-of-fold
  PRIMARY KEY (run_id, image_id)
) WITHOUT ROWID;
`;
