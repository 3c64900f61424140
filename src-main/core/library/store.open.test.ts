/**
 * Opening a library in a folder that cannot hold one (a file, a file on the way, a folder Quality
 * Curator cannot write, a database file it cannot use): `createCore` refuses it with a `bad_input`
 * naming the folder and why, ending in what to do, and creates nothing. Real folders and the real
 * core; tests run as root, so the folder root cannot write is one in /sys.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { qcError, tempDir } from '../../../test-support/fixtures';
import { createCore } from '../app';
import { libraryPaths } from '../paths';
import { checkLibraryFolder, ImageStore } from './store';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const open = (dataDir: string) => createCore({ dataDir, ml: 'in-process' });
const hasSys = process.platform === 'linux' && fs.existsSync('/sys/kernel');

describe('createCore on a folder that cannot hold a library', () => {
  it('refuses a file given as the library folder', () => {
    const file = path.join(dir, 'notes.txt');
    fs.writeFileSync(file, 'x');
    const e = qcError(() => open(file));
    expect(e.code).toBe('bad_input');
    expect(e.message).toBe(`${file} is a file, not a folder: Quality Curator keeps its library in a folder. Choose another folder.`);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  it('refuses a library folder whose parent is a file', () => {
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    const root = path.join(dir, 'notes.txt', 'library');
    const e = qcError(() => open(root));
    expect(e.code).toBe('bad_input');
    expect(e.message).toBe(`${root}: cannot create the library folder: ${path.join(dir, 'notes.txt')} is a file, not a folder. Choose another folder.`);
  });

  it.runIf(hasSys)('refuses an existing folder it cannot write (a real write that fails), before touching it', () => {
    const e = qcError(() => open('/sys/kernel'));
    expect(e.code).toBe('bad_input');
    expect(e.message).toMatch(/^\/sys\/kernel cannot be written \((no permission|not permitted)\): Quality Curator needs to write its library there\. Choose another folder\.$/);
    expect(fs.existsSync('/sys/kernel/library.sqlite')).toBe(false);
  });

  it.runIf(hasSys)('refuses a new folder it cannot create', () => {
    const e = qcError(() => open('/sys/kernel/qc-test-library'));
    expect(e.code).toBe('bad_input');
    expect(e.message).toMatch(/^\/sys\/kernel\/qc-test-library: cannot create the library folder: .+\. Choose another folder\.$/);
  });

  it('refuses a library whose database file is a folder, naming it', () => {
    const root = path.join(dir, 'lib');
    fs.mkdirSync(path.join(root, 'library.sqlite'), { recursive: true });
    const e = qcError(() => open(root));
    expect(e.code).toBe('bad_input');
    expect(e.message).toBe(`${path.join(root, 'library.sqlite')} is a folder, not a database file: Quality Curator keeps its library database under that name. Move that folder out of ${root}, or choose another folder.`);
  });

  it('refuses a library whose database file is another kind of file, and leaves it', () => {
    const root = path.join(dir, 'lib');
    fs.mkdirSync(root);
    const db = path.join(root, 'library.sqlite');
    fs.writeFileSync(db, 'a spreadsheet, not a library\n'.repeat(100));
    const e = qcError(() => open(root));
    expect(e.code).toBe('bad_input');
    expect(e.message).toBe(`${db} is not a Quality Curator library database (it is another kind of file, or damaged): move it out of ${root}, or choose another folder.`);
    expect(fs.readFileSync(db, 'utf8')).toBe('a spreadsheet, not a library\n'.repeat(100));
  });

  it("refuses a library where a file is in the way of one of its folders (originals/)", () => {
    const root = path.join(dir, 'lib');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'originals'), 'x');
    const e = qcError(() => new ImageStore(libraryPaths(root)));
    expect(e.code).toBe('bad_input');
    expect(e.message).toBe(`${root}: ${path.join(root, 'originals')} is a file, not a folder: Quality Curator keeps its library's files in that folder. Move the file away, or choose another folder.`);
    expect(qcError(() => open(root)).message).toBe(e.message);
  });

  it('makes a missing library folder and its missing parents, and opens it', async () => {
    const root = path.join(dir, 'a', 'b', 'lib');
    checkLibraryFolder(root);
    expect(fs.readdirSync(root)).toEqual([]); // the write probe leaves nothing
    const core = open(root);
    try {
      expect((await core.call('library.status', {})).images).toBe(0);
    } finally {
      await core.close();
    }
  });
});
