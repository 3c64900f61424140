/**
 * What a curator reads for an import or a bundle that stands for another file: `qc classify
 * --shard K/N` imports a copy of the shard's rows (`OUT/.shards/<stem>.shard-K-of-N<ext>`), and
 * the library's own keys stay that copy's path (one import of it at a time, its bundle replaced by
 * a re-run, its tag files' names), while `library.sources` names the curator's bundle and the
 * shard (`/a/bundle.tsv, shard 2 of 8`): `imports.shown_source` in place of `source`,
 * `bundles.shown_origin` in place of `origin` (the bundle's `name` says it too). NULL: shown as
 * stored. Shards classified before have none until they are classified again.
 */
export const sql = /* sql */ `
ALTER TABLE imports ADD COLUMN shown_source TEXT;
ALTER TABLE bundles ADD COLUMN shown_origin TEXT;
`;
