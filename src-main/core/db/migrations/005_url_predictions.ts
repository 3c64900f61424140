/**
 * Predictions merged back from tag TSVs (`qc import` of `<bundle>_a.tsv` / `_finaltags.tsv`, e.g.
 * written by `qc classify --shard K/N` on other machines) for URLs whose image is not in this
 * library: the URL, the run and p(bad), without the image. URLs with a local image go to
 * `predictions` instead.
 */
export const sql = `
CREATE TABLE url_predictions (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  url    TEXT NOT NULL,
  p_bad  REAL NOT NULL,
  origin TEXT NOT NULL, -- the tag file it came from
  PRIMARY KEY (run_id, url)
) WITHOUT ROWID;
`;
