/** What rule-change tests count: import labels that disagree with a rule. */
import type { Db } from '../src-main/core/db/open';

/** Import labels (of pictures that are not exemplars) that disagree with a rule whose bad classes are `bad`. */
export function disagreeing(db: Db, bad: number[]): number {
  const inBad = `i.rating_class IN (${bad.join(',')})`;
  return (
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM images i JOIN labels l ON l.image_id = i.id
         WHERE l.origin = 'import' AND i.exemplar = 0 AND i.rating_class IS NOT NULL
           AND ((${inBad} AND l.label IS NOT 'bad') OR (NOT ${inBad} AND l.label IS 'bad'))`,
      )
      .get() as { n: number }
  ).n;
}
