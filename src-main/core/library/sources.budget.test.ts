/**
 * Whole-file reads inside holdingReads (sources.ts) take the file's size from a byte budget before
 * reading (byteBudget.ts), by the rules downloads follow: they wait while it is spent, a cancel
 * ends the wait (the file closed, nothing held), a file larger than the whole budget reads when
 * nothing else holds bytes, and a file that grows while read holds what it grew to. Real files
 * under a temp folder.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { ByteBudget } from './byteBudget';
import { readFolderFile } from './folder';
import { holdingReads, readLocalFile } from './sources';

const MB = 1024 * 1024;

/** Whether `p` settles before `budget` has a request waiting (polled, up to 10 s): a read that waits does not. */
async function waitsFor(budget: ByteBudget, p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 1000 && !done && budget.waiting === 0; i++) await new Promise((r) => setTimeout(r, 10));
  // Settled, or waiting: give a read that went on anyway the time to finish.
  await new Promise((r) => setTimeout(r, 50));
  return !done && budget.waiting === 1;
}

/** Files this process has open (Linux), or null where it cannot tell. */
function openFiles(): number | null {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

describe('whole-file reads held by a byte budget', () => {
  let dir = '';
  let file = '';
  let bytes: Buffer;

  beforeAll(() => {
    dir = tempDir();
    file = path.join(dir, 'a.bin');
    bytes = crypto.randomBytes(3 * MB + 123);
    fs.writeFileSync(file, bytes);
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds the file size before reading, waiting while the budget is spent', async () => {
    const budget = new ByteBudget(4 * MB);
    const other = budget.reservation();
    await other.ensure(2 * MB);
    const mine = budget.reservation();
    const read = holdingReads({ reservation: mine }, () => readLocalFile(file));
    expect(await waitsFor(budget, read)).toBe(true);
    expect(mine.held).toBe(0);
    other.release();
    expect((await read).equals(bytes)).toBe(true);
    expect(mine.held).toBe(bytes.length);
    expect(budget.inUse).toBe(bytes.length);
    mine.release();
    expect(budget.inUse).toBe(0);
  });

  it('a folder file read by folder.ts holds its size too', async () => {
    const budget = new ByteBudget(8 * MB);
    const mine = budget.reservation();
    const base = fs.realpathSync(dir, { encoding: 'buffer' });
    const got = await holdingReads({ reservation: mine }, () => readFolderFile(Buffer.from(file), base));
    expect(got.equals(bytes)).toBe(true);
    expect(mine.held).toBe(bytes.length);
  });

  it('reads outside holdingReads take nothing from any budget', async () => {
    const budget = new ByteBudget(MB);
    const mine = budget.reservation();
    await holdingReads({ reservation: mine }, async () => {});
    expect((await readLocalFile(file)).length).toBe(bytes.length);
    expect(budget.inUse).toBe(0);
  });

  it('a cancel while waiting rejects with its reason as it is, closes the file and holds nothing', async () => {
    const budget = new ByteBudget(4 * MB);
    const other = budget.reservation();
    await other.ensure(4 * MB);
    const before = openFiles();
    const cancel = new AbortController();
    const mine = budget.reservation();
    const read = holdingReads({ reservation: mine, signal: cancel.signal }, () => readLocalFile(file));
    expect(await waitsFor(budget, read)).toBe(true);
    const reason = new DOMException('cancelled', 'AbortError');
    cancel.abort(reason);
    await expect(read).rejects.toBe(reason);
    expect(budget.waiting).toBe(0);
    expect(mine.held).toBe(0);
    expect(budget.inUse).toBe(4 * MB);
    if (before !== null) expect(openFiles()).toBe(before);
  });

  it('a file larger than the whole budget reads once nothing else holds bytes', async () => {
    const budget = new ByteBudget(MB);
    const other = budget.reservation();
    await other.ensure(MB / 2);
    const mine = budget.reservation();
    const read = holdingReads({ reservation: mine }, () => readLocalFile(file));
    expect(await waitsFor(budget, read)).toBe(true);
    other.release();
    expect((await read).equals(bytes)).toBe(true);
    expect(mine.held).toBe(bytes.length);
    expect(budget.inUse).toBeGreaterThan(budget.limit);
    // And at once when nothing else holds any.
    mine.release();
    const again = budget.reservation();
    expect((await holdingReads({ reservation: again }, () => readLocalFile(file))).length).toBe(bytes.length);
    expect(again.held).toBe(bytes.length);
  });

  it('a file that grows after its size was taken holds what was read', async () => {
    const growing = path.join(dir, 'grows.bin');
    fs.writeFileSync(growing, crypto.randomBytes(MB));
    const budget = new ByteBudget(16 * MB);
    const other = budget.reservation();
    await other.ensure(16 * MB);
    const mine = budget.reservation();
    const read = holdingReads({ reservation: mine }, () => readLocalFile(growing));
    expect(await waitsFor(budget, read)).toBe(true);
    // Its size (1 MB) was taken from the opened file; it grows before it is read.
    fs.appendFileSync(growing, crypto.randomBytes(3 * MB));
    other.release();
    const got = await read;
    expect(got.length).toBe(4 * MB);
    expect(mine.held).toBeGreaterThanOrEqual(got.length);
    expect(budget.inUse).toBe(mine.held);
  });
});
