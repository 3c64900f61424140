/**
 * A curator's threshold belongs to the run it was chosen on (runs.ts `thresholdInForce`): it was
 * one library-wide setting (`threshold_bad`), applied to whatever run was active, on another
 * model's scale. Each run now keeps its own (`curator_threshold`, NULL: the run's recommendation).
 * The library's setting moves onto the run active now (the pinned one if it can be active, else the
 * newest finished run that is not archived); with no such run it is left unread (a threshold is
 * refused before a run exists, runs.ts `setCuratorThreshold`, and the default is in force).
 */
export const sql = /* sql */ `
ALTER TABLE runs ADD COLUMN curator_threshold REAL;
UPDATE runs SET curator_threshold = (SELECT json_extract(value, '$') FROM settings WHERE key = 'threshold_bad')
WHERE id = COALESCE(
  (SELECT r.id FROM runs r JOIN settings s ON s.key = 'active_run' AND json_type(s.value) = 'integer' AND r.id = json_extract(s.value, '$')
   WHERE r.status = 'done' AND r.archived = 0),
  (SELECT id FROM runs WHERE status = 'done' AND archived = 0 ORDER BY id DESC LIMIT 1));
DELETE FROM settings WHERE key = 'threshold_bad' AND EXISTS (SELECT 1 FROM runs WHERE status = 'done' AND archived = 0);
`;
