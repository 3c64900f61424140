/**
 * A file imported again whose header now makes it another kind (an `eolMediaURL` column added to a
 * ratings file: a bundle; `obj_url` renamed `object_url`: exemplars) used to replace its ratings
 * rows without a word, and every label they gave went. Detected as another kind than its last
 * finished import's, it is refused naming the file, both kinds and how to go on, and nothing is
 * stored; given its kind, it is imported as that kind as before. A real library, real files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { devRatings, qcRejection } from '../../../test-support/fixtures';
import { DEV_MIRRORS, useTempLibrary } from '../../../test-support/devLibrary';

const RATINGS = devRatings().slice(0, 8);
const body = RATINGS.map(([id, url, r, a]) => `${id}\t${url}\t${r}\t${a}`).join('\n') + '\n';

describe('importing a file again whose header now makes it another kind', () => {
  const lib = useTempLibrary();
  const file = () => path.join(lib.dir, 'ratings.tsv');
  const db = () => lib.core.context.db;
  /** What an import could change: the imports, the file's rows and their kinds, the labels. */
  const state = () => ({
    imports: db().prepare('SELECT id, kind, status FROM imports ORDER BY id').all(),
    rows: db().prepare('SELECT line, kind, url, rating FROM source_rows WHERE origin = ? ORDER BY line').all(file()),
    labels: db().prepare('SELECT image_id, label, origin FROM labels ORDER BY image_id').all(),
    bundles: db().prepare('SELECT COUNT(*) FROM bundles').pluck().get(),
  });
  let ratingsImport = 0;

  it('imported first as a ratings file: labelled', async () => {
    fs.writeFileSync(file(), `obj_with_overall_rating\tobj_url\toverall_rating\tancestry\n${body}`);
    const s = await lib.core.call('library.import', { source: file(), mirrors: DEV_MIRRORS });
    expect(s.kind).toBe('ratings');
    expect(s.labels.good + s.labels.bad).toBeGreaterThan(0);
    ratingsImport = s.import_id;
  });

  it('now a bundle (an eolMediaURL column) or exemplars (object_url), detected: refused naming the file and both kinds, nothing stored', async () => {
    const before = state();
    for (const [header, kind, words, why] of [
      ['obj_with_overall_rating\teolMediaURL\toverall_rating\tancestry', 'bundle', 'a bundle file', 'its header has eolMediaURL'],
      ['target_id\tobject_url\toverall_rating\tancestry', 'exemplars', 'an exemplars file', 'its header has object_url'],
    ] as const) {
      fs.writeFileSync(file(), `${header}\n${body}`);
      const e = await qcRejection(lib.core.call('library.import', { source: file(), mirrors: DEV_MIRRORS }));
      expect([e.code, e.file]).toEqual(['bad_input', file()]);
      expect(e.message).toBe(
        `the file was imported as a ratings file (import ${ratingsImport}) and now reads as ${words} (${why}): importing it would replace its ratings and the labels they give. ` +
          `To import it as ${words} all the same, choose the kind ${kind} (the app's Kind, qc import --kind ${kind}, the API's kind); to keep it a ratings file, restore the file as it was`,
      );
      expect(state()).toEqual(before);
    }
  });

  it('the same through a link to the file: refused', async () => {
    const link = path.join(lib.dir, 'link.tsv');
    fs.symlinkSync(file(), link);
    const before = state();
    const e = await qcRejection(lib.core.call('library.import', { source: link, mirrors: DEV_MIRRORS }));
    expect([e.code, e.file]).toEqual(['bad_input', link]);
    expect(e.message).toMatch(/^the file was imported as a ratings file \(import \d+\) and now reads as an exemplars file/);
    expect(state()).toEqual(before);
  });

  it('given its kind, it is imported as that kind, and later detected imports of that kind go on', async () => {
    fs.writeFileSync(file(), `obj_with_overall_rating\teolMediaURL\toverall_rating\tancestry\n${body}`);
    const s = await lib.core.call('library.import', { source: file(), mirrors: DEV_MIRRORS, kind: 'bundle' });
    expect([s.kind, s.cancelled, s.rows]).toEqual(['bundle', false, RATINGS.length]);
    expect(db().prepare('SELECT DISTINCT kind FROM source_rows WHERE origin = ?').pluck().all(file())).toEqual(['bundle']);
    const again = await lib.core.call('library.import', { source: file(), mirrors: DEV_MIRRORS });
    expect(again.kind).toBe('bundle');
    // … and back to ratings, detected: refused the same way, its bundle's lines named.
    fs.writeFileSync(file(), `obj_with_overall_rating\tobj_url\toverall_rating\tancestry\n${body}`);
    const e = await qcRejection(lib.core.call('library.import', { source: file(), mirrors: DEV_MIRRORS }));
    expect(e.message).toMatch(new RegExp(`^the file was imported as a bundle file \\(import ${again.import_id}\\) and now reads as a ratings file \\(its header has obj_url\\): importing it would replace its bundle's lines\\.`));
  });
});
