/**
 * A tag import beside another process that labels (the app labelling while `qc import <tags>` runs
 * in a terminal): every call succeeds. Each batch reads the URLs' images before it writes, so it
 * must take the write lock first (IMMEDIATE): a deferred transaction that upgrades while the other
 * process writes fails at once with "database is locked", which no busy timeout helps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { writeBesideLabelling } from '../../../test-support/labellingProcess';
import { openDatabase } from '../db/open';
import { importTagFiles } from './tagImport';

const IMAGES = 200;

describe('ml.importTags beside a process that labels', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dbFile = path.join(dir, 'library.db');
  const db = openDatabase(dbFile);
  db.prepare("INSERT INTO runs (id, status, params, backbone) VALUES (1, 'done', '{}', 'b')").run();
  db.transaction(() => {
    for (let i = 1; i <= IMAGES; i++) {
      db.prepare("INSERT INTO images (id, sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, ?, 'p', 'jpeg', 1, 1, 1, 't', 'v')").run(i, `sha${i}`);
      db.prepare('INSERT INTO image_urls (url, image_id) VALUES (?, ?)').run(`https://x.org/${i}.jpg`, i);
    }
  })();
  const tags = path.join(dir, 'b_finaltags.tsv');
  const rows = Array.from({ length: IMAGES + 50 }, (_, k) => `https://x.org/${k + 1}.jpg\t${k + 1}\tbad\t0.9\tmodel\t0.900000`);
  fs.writeFileSync(tags, ['eolMediaURL\tidentifier\timclass\tconfidence\tsource\tp_bad', ...rows].join('\n') + '\n');

  it('never fails with "database is locked"', async () => {
    const { calls, errors, code, labelled, out } = await writeBesideLabelling(dbFile, IMAGES, 2500, async () => {
      expect(await importTagFiles(db, [tags], 1)).toMatchObject({ local: IMAGES, remote: 50 });
    });
    expect(code, out).toBe(0);
    expect(labelled).toBeGreaterThan(50); // the other process did write meanwhile
    expect(calls).toBeGreaterThan(10);
    expect({ calls, errors: errors.length, first: errors[0] }).toEqual({ calls, errors: 0, first: undefined });
  }, 30_000);
});
