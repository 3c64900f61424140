/**
 * A threshold's one-sided upper bound on its error is `error_upper` in a run's stored evaluation
 * (its recommended thresholds, best bound, estimate and curves), as every other field of the API
 * is named; runs trained before this version stored it as `errorUpper`. The key is rewritten in
 * place: JSON.stringify wrote it as `"errorUpper":`, and no value of an evaluation holds that text.
 */
export const sql = /* sql */ `
UPDATE runs SET evaluation = replace(evaluation, '"errorUpper":', '"error_upper":') WHERE instr(evaluation, '"errorUpper":') > 0;
`;
