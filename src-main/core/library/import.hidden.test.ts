/**
 * A folder import leaves hidden entries (names starting with '.') unread, and says so: how many
 * hidden files were skipped and how many hidden folders were not read, in the summary, the API's
 * answer, `qc import`'s lines and its --json. Real folders, a real library, a real `qc` process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_IMAGES, REPO_ROOT, devRatings, tempDir } from '../../../test-support/fixtures';
import { skippedFilesText } from '../../../src-shared/domain/library';

const PHOTOS = devRatings()
  .slice(0, 6)
  .map(([, url]) => path.join(DEV_IMAGES, path.basename(url)));

describe('a folder import with hidden files', () => {
  let dir: string;
  let core: Core;
  let folder: string;

  beforeAll(() => {
    dir = tempDir();
    core = createCore({ dataDir: path.join(dir, 'data') });
    folder = path.join(dir, 'photos');
    fs.mkdirSync(path.join(folder, 'sub'), { recursive: true });
    fs.copyFileSync(PHOTOS[0]!, path.join(folder, 'a.jpg'));
    fs.copyFileSync(PHOTOS[1]!, path.join(folder, 'sub', 'b.jpg'));
    // A user's hidden pictures and the system's hidden files: not read, but counted.
    fs.copyFileSync(PHOTOS[2]!, path.join(folder, '.private.jpg'));
    fs.copyFileSync(PHOTOS[3]!, path.join(folder, 'sub', '._b.jpg'));
    fs.writeFileSync(path.join(folder, '.DS_Store'), 'finder');
    fs.mkdirSync(path.join(folder, '.thumbs'));
    fs.copyFileSync(PHOTOS[4]!, path.join(folder, '.thumbs', 'c.jpg'));
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'field notes');
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts the hidden files skipped and hidden folders not read, beside the files not named like images', async () => {
    const s = await core.call('library.import', { source: folder });
    expect(s.rows).toBe(2);
    expect(s.failed).toBe(0);
    expect(s.skipped_files).toEqual({ count: 1, by_extension: { '.txt': 1 }, hidden_files: 3, hidden_folders: 1 });
    expect(skippedFilesText(s.skipped_files!)).toBe("1 file not imported: its name does not end like an image's (1 .txt); 3 hidden files skipped, 1 hidden folder not read (names starting with '.')");
  });

  it('says so when hidden files are all that was left out', async () => {
    const only = path.join(dir, 'only-hidden');
    fs.mkdirSync(only);
    fs.copyFileSync(PHOTOS[5]!, path.join(only, 'd.jpg'));
    fs.copyFileSync(PHOTOS[2]!, path.join(only, '.e.jpg'));
    const s = await core.call('library.import', { source: only });
    expect(s.skipped_files).toEqual({ count: 0, by_extension: {}, hidden_files: 1 });
    expect(skippedFilesText(s.skipped_files!)).toBe("1 hidden file skipped (names starting with '.')");
  });

  it('qc import prints the count, and --json carries it', () => {
    const dataDir = path.join(dir, 'cli-data');
    const qc = (...args: string[]) => spawnSync(process.execPath, ['--import', path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', dataDir, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
    const text = qc('import', folder);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain("3 hidden files skipped, 1 hidden folder not read (names starting with '.')");
    const json = qc('import', folder, '--json');
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).skipped_files).toEqual({ count: 1, by_extension: { '.txt': 1 }, hidden_files: 3, hidden_folders: 1 });
  }, 60_000);
});
