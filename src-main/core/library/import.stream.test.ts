/**
 * A large bundle is imported as a stream: `qc import` of a 150,000-row bundle runs in a process whose
 * V8 heap is capped at 64 MB, which holding the rows in memory (parsed rows with their columns, the
 * map of URLs, a task per URL: about 1.5 KB a row, measured) could not do. The rows name three
 * mirrored photos and one file that is not a picture, spread over many pages of distinct URLs (URL_PAGE), so the
 * paging is checked as well: each URL is brought in once, and the broken one's failure names the
 * first line that has it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, REPO_ROOT, tempDir, devPhotos } from '../../../test-support/fixtures';
import { URL_PAGE } from './importer';

const ROWS = 150_000;
const PREFIX = 'https://content.example.org/m/';
/** The first line (1-based, header = 1) naming the broken file: past the first pages of rows. */
const BROKEN_AT = 3 * URL_PAGE + 7;

describe('importing a large bundle', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('qc-stream-');
    const mirror = path.join(dir, 'mirror');
    fs.mkdirSync(mirror);
    const photos = devPhotos().slice(0, 3);
    photos.forEach((f, i) => fs.copyFileSync(path.join(DEV_IMAGES, f), path.join(mirror, `${i}.jpg`)));
    fs.writeFileSync(path.join(mirror, 'broken.jpg'), '<html><body>503 Service Unavailable</body></html>');
    const out = fs.openSync(path.join(dir, 'bundle.txt'), 'w');
    let text = 'eolMediaURL\tidentifier\tdataObjectVersionID\tancestry\n';
    for (let i = 0; i < ROWS; i++) {
      const line = i + 2;
      const name = line >= BROKEN_AT && line % 1000 === BROKEN_AT % 1000 ? 'broken' : String(i % 3);
      text += `${PREFIX}${name}.jpg\t${40_000_000 + i}\t${140_000_000 + i}\t{"kingdom":{"name":"Plantae"}}\n`;
      if (text.length > 1 << 20) {
        fs.writeSync(out, text);
        text = '';
      }
    }
    fs.writeSync(out, text);
    fs.closeSync(out);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('needs no more heap than a small one: 150,000 rows under a 64 MB V8 heap, each URL fetched once', async () => {
    const data = path.join(dir, 'data');
    const args = ['--max-old-space-size=64', '--import', 'tsx', path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', data, '--json'];
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [...args, 'import', path.join(dir, 'bundle.txt'), '--mirror', `${PREFIX}=${path.join(dir, 'mirror')}`], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
    expect(r.stderr).not.toMatch(/heap out of memory/i);
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as { rows: number; urls: number; images_new: number; failed: number; failures_by_reason: Record<string, number>; row_problems: number };
    expect(summary).toMatchObject({ rows: ROWS, urls: 4, images_new: 3, failed: 1, row_problems: 0 });
    const [reason, ...others] = Object.keys(summary.failures_by_reason);
    expect(others).toEqual([]);
    const db = new Database(path.join(data, 'library.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) FROM bundle_items').pluck().get()).toBe(ROWS);
      expect(db.prepare('SELECT COUNT(*) FROM image_urls').pluck().get()).toBe(3);
      expect(db.prepare("SELECT url, line, reason FROM failures WHERE stage = 'fetch'").all()).toEqual([{ url: `${PREFIX}broken.jpg`, line: BROKEN_AT, reason }]);
    } finally {
      db.close();
    }
  }, 180_000);
});
