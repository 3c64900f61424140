/**
 * A prediction merged by URL from a tag file (`url_predictions`, migration 005) keeps what that
 * file's row says of the image besides its URL: EOL's `identifier`, `dataObjectVersionID` and
 * `ancestry`, as written there (NULL when the file has no such column or the cell is empty).
 * `library_finaltags.tsv` writes them in the URL's row, where the library has no row of that URL
 * to take them from. Predictions merged before keep NULL until their tag files are imported again.
 */
export const sql = /* sql */ `
ALTER TABLE url_predictions ADD COLUMN identifier TEXT;
ALTER TABLE url_predictions ADD COLUMN data_object_version_id TEXT;
ALTER TABLE url_predictions ADD COLUMN ancestry TEXT;
`;
