/**
 * Making a file unwritable for this process, as a test of a read-only library needs: chmod for a
 * user; for root, whom chmod does not stop, the immutable flag (`chattr +i`), which not every file
 * system has (`canMakeUnwritable` tries it on a probe, so such tests are skipped with a reason).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { tempDir } from './fixtures';

export const isRoot = process.getuid?.() === 0;

/** Whether this machine can make a file unwritable for this process. */
export function canMakeUnwritable(): boolean {
  if (process.platform === 'win32') return false;
  if (!isRoot) return true;
  const probe = tempDir('qc-immutable-probe-');
  const f = path.join(probe, 'f');
  fs.writeFileSync(f, '');
  try {
    if (spawnSync('chattr', ['+i', f]).status !== 0) return false;
    spawnSync('chattr', ['-i', f]);
    return true;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

/** Make `f` unwritable for this process; undone by {@link makeWritable}. */
export function makeUnwritable(f: string): void {
  if (isRoot) expect(spawnSync('chattr', ['+i', f]).status).toBe(0);
  else fs.chmodSync(f, 0o444);
}

export function makeWritable(f: string): void {
  if (isRoot) spawnSync('chattr', ['-i', f]);
  else fs.chmodSync(f, 0o644);
}
