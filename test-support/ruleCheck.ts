/** What rule-change tests count and leave: import labels that disagree with a rule; a rule change left unfinished. */
import { spawnSync } from 'node:child_process';
import type { Db } from '../src-main/core/db/open';
import { SETTING, getSetting, setSetting } from '../src-main/core/db/settings';

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

/**
 * What a `qc rule` killed before its first chunk leaves: the rule whose bad classes are `bad`
 * stored, its relabelling owned by a process that has exited. Returns the labels left disagreeing.
 */
export function leaveRuleUnfinished(db: Db, bad: number[]): number {
  const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  if (!(gone > 0)) throw new Error('no pid of an exited process');
  setSetting(db, SETTING.labelRule, { bad, good: [4, 5], exemplar: 'good' });
  setSetting(db, SETTING.labelRelabel, { version: `killed-${bad.join('')}`, after: 0, pid: gone, start: null });
  return disagreeing(db, bad);
}

/** Whether a rule change is still left to finish. */
export function ruleUnfinished(db: Db): boolean {
  return getSetting(db, SETTING.labelRelabel, null) !== null;
}
