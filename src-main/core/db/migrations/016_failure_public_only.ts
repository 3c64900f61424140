/**
 * A failed download records whether its URL was held to public addresses (`public_only`: named by
 * a list downloaded from a public host), so `library.retryFailed` keeps the rule the import decided
 * from where the list was served, instead of asking DNS about the list's host again (a name that
 * answers 127.0.0.1 by the time of the retry would free the list's URLs). Failures recorded before
 * have none (NULL): a retry holds those of a list downloaded over HTTP to public addresses unless
 * the list's host is written as a local or private one (importer.ts retryFailed).
 */
export const sql = /* sql */ `
ALTER TABLE failures ADD COLUMN public_only INTEGER;
`;
