// What the status counts as set by a curator (`qc status`: "N set by a curator"; the Library
// screen's figure): every image whose label a curator decided, a "no label" (cleared) included,
// since a cleared label overrides what the ratings say as much as a good or bad one does. Real core.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { DEV_IMAGES } from '../../../test-support/fixtures';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

describe('status: labels set by a curator', () => {
  it('counts a curator’s "no label" with the curator’s good and bad, and an undo takes it back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-curator-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const source = path.join(dir, 'drive');
    // Rating folders: 1 and 5 give bad and good labels, 3 none.
    const layout: [string, string][] = [
      ['9000001.jpg', '1/a.jpg'],
      ['9000002.jpg', '1/b.jpg'],
      ['9000004.jpg', '3/c.jpg'],
      ['9000005.jpg', '5/d.jpg'],
    ];
    for (const [from, to] of layout) {
      fs.mkdirSync(path.dirname(path.join(source, to)), { recursive: true });
      fs.copyFileSync(path.join(DEV_IMAGES, from), path.join(source, to));
    }
    const core = createCore({ dataDir: path.join(dir, 'data') });
    cleanups.push(() => core.close());
    const imported = await core.call('library.import', { source });
    expect(imported.images_new).toBe(4);
    const db = core.context.db;
    const idOf = (name: string) => (db.prepare("SELECT i.id FROM images i JOIN image_urls u ON u.image_id = i.id WHERE u.url LIKE ? LIMIT 1").get(`%${name}`) as { id: number }).id;
    const curatorRows = () => (db.prepare("SELECT COUNT(*) AS n FROM labels WHERE origin = 'curator'").get() as { n: number }).n;

    const before = await core.call('library.status', {});
    expect(before.labels_by_origin.curator).toBe(0);

    // One label flipped to good, one cleared to "no label".
    await core.call('labels.set', { imageIds: [idOf('a.jpg')], label: 'good' });
    await core.call('labels.set', { imageIds: [idOf('d.jpg')], label: null });
    const after = await core.call('library.status', {});
    expect(curatorRows()).toBe(2);
    expect(after.labels_by_origin.curator).toBe(curatorRows());
    expect(after.labels_by_origin.import + after.labels_by_origin.curator).toBe(after.images);
    // The cleared image is unlabelled, and still counted as the curator's decision.
    expect(after.labels.unlabeled).toBe(before.labels.unlabeled + 1);

    // Undoing the clear gives the image back to its ratings: no longer the curator's.
    await core.call('labels.undo', {});
    const undone = await core.call('library.status', {});
    expect(undone.labels_by_origin.curator).toBe(1);
    expect(undone.labels_by_origin.curator).toBe(curatorRows());
  });
});
