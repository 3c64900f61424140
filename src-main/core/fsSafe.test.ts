/** Export writes on a real file system: no write through a planted link, no recursive mkdir, clear errors. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QcError } from '../../src-shared/contract/errors';
import { qcError, tempDir } from '../../test-support/fixtures';
import { createCore } from './app';
import { AtomicFile, makeDir, writeFileAtomic } from './fsSafe';

let dir: string;
let victim: string;
const PRECIOUS = 'PRECIOUS, outside the output folder\n';

beforeAll(() => {
  dir = tempDir('qc-fssafe-');
  victim = path.join(dir, 'victim.txt');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A fresh output folder with the victim file reset. */
function outFolder(name: string): string {
  fs.writeFileSync(victim, PRECIOUS);
  const out = path.join(dir, name);
  fs.mkdirSync(out);
  return out;
}

const leftovers = (folder: string) => fs.readdirSync(folder).filter((f) => f.includes('.tmp-'));

describe('writeFileAtomic', () => {
  it('writes a new file and replaces an existing one, leaving no temporary file', () => {
    const out = outFolder('plain');
    const file = path.join(out, 'a.txt');
    writeFileAtomic(file, 'one\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('one\n');
    writeFileAtomic(file, Buffer.from('two\n'));
    expect(fs.readFileSync(file, 'utf8')).toBe('two\n');
    expect(leftovers(out)).toEqual([]);
  });

  it('replaces a link planted at the target itself and never writes to the file it points to', () => {
    const out = outFolder('link-at-target');
    const file = path.join(out, 'model-card.json');
    fs.symlinkSync(victim, file);
    writeFileAtomic(file, '{"ok":true}\n');
    expect(fs.readFileSync(victim, 'utf8')).toBe(PRECIOUS);
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"ok":true}\n');
    expect(leftovers(out)).toEqual([]);
  });

  it('never writes through a link planted at a guessable temporary name', () => {
    const out = outFolder('link-at-tmp');
    const file = path.join(out, 'library_finaltags.tsv');
    const guess = `${file}.tmp-${process.pid}`;
    fs.symlinkSync(victim, guess);
    writeFileAtomic(file, 'x\n');
    expect(fs.readFileSync(victim, 'utf8')).toBe(PRECIOUS);
    expect(fs.readFileSync(file, 'utf8')).toBe('x\n');
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(false);
    expect(fs.readlinkSync(guess)).toBe(victim); // left alone
  });

  it('a folder at the target is a bad_input error naming the file, and no temporary file is left', () => {
    const out = outFolder('dir-at-target');
    const file = path.join(out, 'library_finaltags.tsv');
    fs.mkdirSync(file);
    const e = qcError(() => writeFileAtomic(file, 'x\n'));
    expect(e.code).toBe('bad_input');
    expect(e.message.startsWith(`${file}: `)).toBe(true);
    expect(e.message).not.toMatch(/EISDIR|EEXIST|ENOTEMPTY/);
    expect(leftovers(out)).toEqual([]);
  });

  it('discard removes the temporary file and leaves the target as it was', () => {
    const out = outFolder('discard');
    const file = path.join(out, 'a.tsv');
    fs.writeFileSync(file, 'old\n');
    const f = new AtomicFile(file);
    f.write('new\n');
    expect(fs.existsSync(f.tmp)).toBe(true);
    f.discard();
    f.discard();
    expect(fs.existsSync(f.tmp)).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('old\n');
  });

  it('commitUnlessTaken publishes at the target only where nothing is (not even a link), else at the other name', () => {
    const out = outFolder('unless-taken');
    const target = path.join(out, 'copy.txt');
    const other = path.join(out, 'copy-apart.txt');
    const first = new AtomicFile(target);
    first.write('first\n');
    expect(first.commitUnlessTaken(other)).toBe(target);
    const second = new AtomicFile(target);
    second.write('second\n');
    expect(second.commitUnlessTaken(other)).toBe(other);
    expect(fs.readFileSync(target, 'utf8')).toBe('first\n');
    expect(fs.readFileSync(other, 'utf8')).toBe('second\n');
    // A link at the target (to the victim, or dangling) is taken too: nothing is written through it.
    fs.rmSync(target);
    fs.symlinkSync(victim, target);
    const third = new AtomicFile(target);
    third.write('third\n');
    expect(third.commitUnlessTaken(other)).toBe(other);
    expect(fs.readFileSync(victim, 'utf8')).toBe(PRECIOUS);
    expect(fs.readFileSync(other, 'utf8')).toBe('third\n');
    expect(leftovers(out)).toEqual([]);
  });
});

describe('makeDir', () => {
  it('makes every missing folder of the path, and accepts one that exists', () => {
    const deep = path.join(dir, 'made', 'a', 'b', 'c');
    expect(makeDir(deep)).toBe(deep);
    expect(fs.statSync(deep).isDirectory()).toBe(true);
    expect(makeDir(deep)).toBe(deep);
    expect(makeDir(path.relative(process.cwd(), deep))).toBe(deep);
  });

  it('a file at the path, or on the way to it, is a bad_input error naming the path', () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const at = qcError(() => makeDir(file));
    expect(at.code).toBe('bad_input');
    expect(at.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*must be a folder`));
    const below = qcError(() => makeDir(path.join(file, 'sub', 'sub')));
    expect(below.code).toBe('bad_input');
    expect(below.message).toContain(`${path.join(file, 'sub', 'sub')}: cannot create the output folder`);
    expect(below.message).not.toMatch(/ENOTDIR|EEXIST/);
  });

  it('a link to nothing on the way is a bad_input error', () => {
    const dangling = path.join(dir, 'dangling');
    fs.symlinkSync(path.join(dir, 'nowhere'), dangling);
    const e = qcError(() => makeDir(path.join(dangling, 'x')));
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain('link to nothing');
    expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(false);
  });

  it('follows links above `base` but refuses one planted below it', () => {
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere);
    const base = path.join(dir, 'linked-base');
    fs.symlinkSync(elsewhere, base);
    expect(makeDir(path.join(base, 'ok'), { base })).toBe(path.join(base, 'ok'));
    fs.symlinkSync(elsewhere, path.join(elsewhere, 'train_graphs'));
    const e = qcError(() => makeDir(path.join(base, 'train_graphs'), { base }));
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain('is a link, not a folder');
  });

  it.runIf(typeof process.getuid === 'function' && process.getuid() !== 0)('no permission is a bad_input error', () => {
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked, 0o500);
    try {
      const e = qcError(() => makeDir(path.join(locked, 'x')));
      expect(e.code).toBe('bad_input');
      expect(e.message).toContain('no permission');
    } finally {
      fs.chmodSync(locked, 0o700);
    }
  });

  it.runIf(process.platform === 'linux')(
    'a folder under /proc is a quick bad_input error (Node 20\'s recursive mkdir spins for ever there)',
    () => {
      const started = Date.now();
      for (const p of ['/proc/qc-test-no-such/x', '/proc/qc-test-no-such', '/sys/qc-test-no-such']) {
        const e = qcError(() => makeDir(p));
        expect(e, p).toBeInstanceOf(QcError);
        expect(e.code, p).toBe('bad_input');
        expect(e.message.startsWith(`${p}: cannot create the output folder`), e.message).toBe(true);
      }
      // A library folder there (`qc --data /proc/x`): the core refuses to open it, naming what it is.
      const e = qcError(() => createCore({ dataDir: '/proc/qc-test-no-such/lib' }));
      expect(e.code).toBe('bad_input');
      expect(e.message).toMatch(/^\/proc\/qc-test-no-such\/lib: cannot create the library folder/);
      expect(Date.now() - started).toBeLessThan(2000);
    },
    5000,
  );
});
