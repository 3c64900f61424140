/**
 * Transparent pixels are composited onto black in every decode since this version (preprocess.ts
 * TRANSPARENT_BACKGROUND); before, the colour hidden under them was scored. Features cached for
 * pictures in formats that can carry transparency are dropped, so the next embed or train computes
 * them again from the picture as shown; JPEGs (no transparency) keep theirs. Thumbnails and
 * previews made before stay as they were (files, cached by browsers for good under their names).
 */
export const sql = /* sql */ `
DELETE FROM features WHERE sha256 IN (SELECT sha256 FROM images WHERE format <> 'jpeg');
`;
