/**
 * A folder import reads nothing outside the chosen folder even when a folder on a file's path is
 * swapped for a link between readFolderFile's check and its open (O_NOFOLLOW covers only the last
 * name). The swap is injected at the open (fs.promises.open); the folders, link and files are real.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { readFolderFile } from './folder';
import { FetchFailure } from './fetch';

describe('a folder swapped for a link while a file of it is opened', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(() => vi.restoreAllMocks());

  it('is refused, and the file outside is not read', async () => {
    const chosen = path.join(dir, 'chosen');
    const five = path.join(chosen, 'images', '5');
    const secret = path.join(dir, 'private');
    fs.mkdirSync(five, { recursive: true });
    fs.mkdirSync(secret);
    fs.writeFileSync(path.join(five, 'a.jpg'), 'inside');
    fs.writeFileSync(path.join(secret, 'a.jpg'), 'SECRET');
    const file = path.join(five, 'a.jpg');
    const real = fs.promises.open;
    let swapped = false;
    vi.spyOn(fs.promises, 'open').mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
      if (!swapped && (Buffer.isBuffer(p) ? p.toString() : String(p)) === file) {
        // After the check, before the open: the class folder becomes a link out of the chosen folder.
        swapped = true;
        fs.renameSync(five, `${five}.old`);
        fs.symlinkSync(secret, five);
      }
      return (real as (...a: unknown[]) => Promise<fs.promises.FileHandle>)(p, ...rest);
    }) as typeof fs.promises.open);
    const base = fs.realpathSync(chosen, { encoding: 'buffer' });
    const got = await readFolderFile(Buffer.from(file), base).catch((e: unknown) => e);
    expect(swapped).toBe(true);
    expect(Buffer.isBuffer(got) ? got.toString() : null).not.toBe('SECRET');
    expect(got).toBeInstanceOf(FetchFailure);
    expect((got as FetchFailure).reason).toBe('local_refused');

    // Without the swap the same file is read.
    vi.restoreAllMocks();
    fs.rmSync(five);
    fs.renameSync(`${five}.old`, five);
    expect((await readFolderFile(Buffer.from(file), base)).toString()).toBe('inside');
  });
});
