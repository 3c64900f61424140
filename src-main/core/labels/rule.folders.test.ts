/**
 * A rule change says how many import labels an imported training folder decides (`agg/bad|good`
 * wins over ratings, domain/label.ts deriveLabel), so no rule changes them: after re-importing a
 * training export, `qc rule --bad 1` changed nothing and said nothing of why (concepts audit 4).
 * Real folders of dev photos, a real library; the app's toast and `qc rule`'s line share the words.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_IMAGES, devRatings } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';
import { folderDecidedText } from '../../../src-shared/domain/label';

const PHOTOS = devRatings()
  .slice(0, 6)
  .map(([, url]) => path.join(DEV_IMAGES, path.basename(url)));

describe('a rule change on a library holding a training folder', () => {
  const lib = useTempLibrary();

  it('counts the import labels the folders decide, which it left as they were', async () => {
    const db = lib.core.context.db;
    // No folder imported yet: nothing to say.
    expect(lib.core.context.labels.folderDecided()).toBe(0);
    const first = await lib.core.call('labels.setRule', { rule: { bad: [1, 2], good: [4, 5], exemplar: 'good' } });
    expect(first.folder_decided).toBeUndefined();

    // A rated layout: class folders 1 and 5 (ratings), agg/bad and agg/good (folder labels), one picture in both a class and agg.
    const root = path.join(lib.dir, 'training');
    const files = ['1/a.jpg', '5/b.jpg', 'agg/bad/c.jpg', 'agg/bad/d.jpg', 'agg/good/e.jpg', 'agg/good/f.jpg'];
    files.forEach((f, i) => {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.copyFileSync(PHOTOS[i]!, path.join(root, f));
    });
    const imported = await lib.core.call('library.import', { source: root });
    expect(imported.images_new).toBe(6);
    expect(lib.core.context.labels.folderDecided()).toBe(4);

    const labelOf = () => Object.fromEntries((db.prepare("SELECT i.rating_class AS c, l.label FROM images i JOIN labels l ON l.image_id = i.id WHERE i.rating_class IS NOT NULL").all() as { c: number; label: string | null }[]).map((r) => [r.c, r.label]));
    expect(labelOf()).toEqual({ 1: 'bad', 5: 'good' });
    const r = await lib.core.call('labels.setRule', { rule: { bad: [1, 2, 5], good: [4], exemplar: 'good' } });
    // The rated pictures followed the rule; the four of agg/ did not, and the answer says so.
    expect(labelOf()).toEqual({ 1: 'bad', 5: 'bad' });
    expect(r.relabelled).toBe(1);
    expect(r.folder_decided).toBe(4);
    expect((db.prepare("SELECT COUNT(*) FROM labels WHERE label = 'bad'").pluck().get() as number)).toBe(4);

    // A curator label is not an import label the folder decides.
    const [folderImage] = db.prepare("SELECT DISTINCT u.image_id FROM source_rows s JOIN image_urls u ON u.url = s.url WHERE s.folder_label = 'good'").pluck().all() as number[];
    await lib.core.call('labels.set', { imageIds: [folderImage!], label: 'bad' });
    expect(lib.core.context.labels.folderDecided()).toBe(3);
    expect(folderDecidedText(3)).toBe('3 import labels come from an imported training folder (images/agg/bad|good), which decides them over ratings: no rule changes them (a curator label does).');
    expect(folderDecidedText(1)).toBe('1 import label comes from an imported training folder (images/agg/bad|good), which decides it over ratings: no rule changes it (a curator label does).');
  });
});
