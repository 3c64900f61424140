/**
 * `qc` with a library it cannot use (audit3-ux finding 7): one line on stderr naming the folder and
 * why, and a non-zero exit, never "ENOENT … mkdir" for a folder that exists or a bare "unable to
 * open database file". A read-only file system is a real one where the machine allows it: a tmpfs
 * mounted read-only inside a private mount namespace (`unshare -m`), which goes away with the
 * process and leaves no mount behind.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test-support/fixtures';
import { canMakeUnwritable, makeUnwritable, makeWritable } from '../../test-support/unwritable';
import { OTHER_FOLDER_HINT } from './serve';

/** What qc adds to the core's words: how to name another folder (library.wayOut.test.ts). */
const WAY_OUT = ` ${OTHER_FOLDER_HINT.command}`;

const QC = [process.execPath, '--import', path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs'), path.join(REPO_ROOT, 'src-main/cli/main.ts')];

function qc(dataDir: string, ...args: string[]) {
  const [cmd = '', ...rest] = QC;
  const r = spawnSync(cmd, [...rest, '--data', dataDir, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Whether this machine lets a process mount a read-only tmpfs in its own mount namespace (root with the privilege to). */
function canMountPrivately(): boolean {
  if (process.platform !== 'linux') return false;
  const probe = tempDir('qc-rolib-probe-');
  try {
    const r = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=1m tmpfs "$1" && mount -o remount,ro "$1"`, 'sh', probe], { encoding: 'utf8', timeout: 10_000 });
    return r.status === 0;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

let dir: string;
beforeEach(() => {
  dir = tempDir('qc-rolib-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One error line, `qc: <message>`, and a failing exit. */
function refused(r: { code: number | null; stdout: string; stderr: string }): string {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]!.startsWith('qc: ')).toBe(true);
  return lines[0]!.slice('qc: '.length);
}

describe('qc with a library it cannot use', () => {
  it('a library folder under a file: names the folder and the file in the way', () => {
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    const root = path.join(dir, 'notes.txt', 'lib');
    // A command that may make a library (qc rule); one that only reads (qc status) says there is none.
    expect(refused(qc(root, 'status'))).toBe(`no library in ${root}`);
    expect(refused(qc(root, 'rule'))).toBe(`${root}: cannot create the library folder: ${path.join(dir, 'notes.txt')} is a file, not a folder. Choose another folder.${WAY_OUT}`);
  });

  it('a folder where the database file should be: names it', () => {
    const root = path.join(dir, 'lib');
    fs.mkdirSync(path.join(root, 'library.sqlite'), { recursive: true });
    const message = `${path.join(root, 'library.sqlite')} is a folder, not a database file: Quality Curator keeps its library database under that name. Move that folder out of ${root}, or choose another folder.${WAY_OUT}`;
    expect(refused(qc(root, 'status'))).toBe(message);
  });

  it('a file that is not a library database: names it and leaves it', () => {
    const root = path.join(dir, 'lib');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'library.sqlite'), 'not a database\n'.repeat(100));
    expect(refused(qc(root, 'status'))).toBe(`${path.join(root, 'library.sqlite')} is not a Quality Curator library database (it is another kind of file, or damaged): move it out of ${root}, or choose another folder.${WAY_OUT}`);
    expect(fs.readFileSync(path.join(root, 'library.sqlite'), 'utf8')).toBe('not a database\n'.repeat(100));
  });

  it.runIf(canMakeUnwritable())('a library database it can only read: refused as read_only naming the file and what to do, also under --json (audit-durable F2)', () => {
    const root = path.join(dir, 'lib');
    expect(qc(root, 'rule').code).toBe(0);
    const db = path.join(root, 'library.sqlite');
    makeUnwritable(db);
    try {
      const r = qc(root, '--json', 'status');
      expect(r.code, r.stderr).toBe(1);
      const message = `${db} ${process.getuid?.() === 0 ? 'cannot be written (not permitted)' : 'cannot be written (no permission)'}: Quality Curator saves every change in the library database, so it cannot open this library. To use it, make it writable (check its owner, permissions and immutable flag), or copy the library folder to a place you can write and open the copy.`;
      expect(r.stderr).toBe(`qc: ${message}\n`);
      expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'read_only', message } });
    } finally {
      makeWritable(db);
    }
    // Writable again, it opens as before.
    expect(qc(root, 'status').code).toBe(0);
  });

  it.runIf(canMountPrivately())(
    'a read-only file system: an empty folder, an existing library and a new folder there are each refused naming the folder and "read-only"',
    () => {
      // A real library to put on the read-only file system.
      const seed = path.join(dir, 'seed');
      expect(qc(seed, 'rule').code).toBe(0);
      const mnt = path.join(dir, 'ro');
      fs.mkdirSync(mnt);
      const out = path.join(dir, 'out');
      fs.mkdirSync(out);
      // Inside its own mount namespace: mount, copy the library in, make it read-only, run qc on
      // three folders there and keep what each printed outside the mount.
      const script = `
        set -e
        mount -t tmpfs -o size=64m tmpfs "$MNT"
        cp -a "$SEED" "$MNT/lib"
        mkdir "$MNT/empty"
        mount -o remount,ro "$MNT"
        for lib in empty lib new; do
          set +e
          "$@" --data "$MNT/$lib" rule >"$OUT/$lib.stdout" 2>"$OUT/$lib.stderr"
          echo $? >"$OUT/$lib.code"
          set -e
        done`;
      const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', ...QC], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, MNT: mnt, SEED: seed, OUT: out }, timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      const result = (lib: string) => ({
        code: Number(fs.readFileSync(path.join(out, `${lib}.code`), 'utf8')),
        stdout: fs.readFileSync(path.join(out, `${lib}.stdout`), 'utf8'),
        stderr: fs.readFileSync(path.join(out, `${lib}.stderr`), 'utf8'),
      });
      const tail = 'Quality Curator needs to write its library there. Choose another folder.';
      expect(refused(result('empty'))).toBe(`${mnt}/empty is on a read-only file system: ${tail}${WAY_OUT}`);
      expect(refused(result('lib'))).toBe(`${mnt}/lib is on a read-only file system: ${tail}${WAY_OUT}`);
      expect(refused(result('new'))).toBe(`${mnt}/new: cannot create the library folder: the file system is read-only (at ${mnt}/new). Choose another folder.${WAY_OUT}`);
      // The mount lived only in that process's namespace.
      expect(fs.readFileSync('/proc/self/mounts', 'utf8')).not.toContain(mnt);
      expect(fs.readdirSync(mnt)).toEqual([]);
    },
    180_000,
  );
});
