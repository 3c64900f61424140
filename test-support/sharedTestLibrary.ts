/**
 * For the tests of the active-run rule (runs.ts activateIfBetter): a library of 12 dev photos, every
 * labelled one in the stored test split, and finished runs made to order: `run(flip)` stores held-out
 * p(bad) that separate the labels, the first `flip` images scored wrong. Opened before the describe
 * block's tests and closed after them; call the getters inside a test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { createCore, type Core } from '../src-main/core/app';
import { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } from './fixtures';

export interface SharedTestLibrary {
  core: () => Core;
  /** The labelled images, in id order (the test split). */
  ids: () => number[];
  /** A finished run scoring every test image held out, the first `flip` wrong; `metrics` stored as given. */
  run: (flip: number, metrics?: object | null) => number;
}

export function useSharedTestLibrary(): SharedTestLibrary {
  let dir = '';
  let core: Core | undefined;
  let ids: number[] = [];
  let bad = new Set<number>();
  beforeAll(async () => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    const rows = devRatings().slice(0, 12);
    const file = path.join(dir, 'r.txt');
    fs.writeFileSync(file, ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows.map((r) => r.join('\t'))].join('\n') + '\n');
    await core.call('library.import', { source: file, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    const { db } = core.context;
    const labelled = db.prepare("SELECT image_id, label FROM labels WHERE label IN ('good', 'bad') ORDER BY image_id").all() as { image_id: number; label: string }[];
    ids = labelled.map((l) => l.image_id);
    bad = new Set(labelled.filter((l) => l.label === 'bad').map((l) => l.image_id));
    expect(bad.size).toBeGreaterThan(0);
    expect(bad.size).toBeLessThan(ids.length);
    const split = db.prepare("INSERT INTO splits (image_id, group_id, split, fold) VALUES (?, ?, 'test', -1)");
    ids.forEach((id, i) => split.run(id, i));
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const open = () => {
    if (!core) throw new Error('the library is not open (used outside a test?)');
    return core;
  };
  return {
    core: open,
    ids: () => ids,
    run(flip, metrics = null) {
      const { db } = open().context;
      const id = Number(db.prepare("INSERT INTO runs (status, params, backbone, metrics) VALUES ('done', '{}', 'test', ?)").run(metrics && JSON.stringify(metrics)).lastInsertRowid);
      const put = db.prepare('INSERT INTO predictions (run_id, image_id, p_bad, heldout) VALUES (?, ?, ?, 1)');
      ids.forEach((img, i) => {
        const right = bad.has(img) ? 0.9 - i * 0.01 : 0.1 + i * 0.01;
        put.run(id, img, i < flip ? 1 - right : right);
      });
      return id;
    },
  };
}
