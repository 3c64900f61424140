/** Runs can be archived: hidden from the runs table and `qc runs`, never deleted (the seed kept the N best attempts). */
export const sql = /* sql */ `
ALTER TABLE runs ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
`;
