/**
 * Opening a library never removes or writes files outside it through its own folders: a `tmp/`,
 * `owners/` (or any folder the library writes and sweeps) that is a link, or a file, refuses the
 * open with a `bad_input` naming it, before anything is touched. The sweeps at every open remove
 * only regular files named as our own code names them (putFile's temporaries, owner lock files),
 * and leave anything else in those folders alone without failing the open. A real library
 * (createCore), real links, real SQLite lock files.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { qcError, tempDir } from '../../../test-support/fixtures';
import { createCore } from '../app';
import { libraryPaths, type LibraryPaths } from '../paths';
import { checkLibraryFolder, holdOwnerLock, ImageStore, LIBRARY_FOLDERS, sweepOwnerLocks, thisProcess } from './store';

let dir: string;
let paths: LibraryPaths;
let victim: string;

/** A pid no process has now. */
const gone = () => spawnSync(process.execPath, ['-e', '0']).pid!;
const me = thisProcess();
const open = () => createCore({ dataDir: paths.root, ml: 'in-process' });
const twoMinutesAgo = () => new Date(Date.now() - 120_000);

/** Everything under `folder` (dotfiles and sub-folders included) with each file's content. */
function tree(folder: string): [string, string][] {
  return fs
    .readdirSync(folder, { recursive: true })
    .map(String)
    .sort()
    .map((rel) => {
      const st = fs.lstatSync(path.join(folder, rel));
      return [rel, st.isDirectory() ? '<folder>' : fs.readFileSync(path.join(folder, rel), 'utf8')];
    });
}

/** A folder outside the library holding what a user keeps: files, dotfiles, folders, and names that look like the library's own. */
function makeVictim(): [string, string][] {
  fs.mkdirSync(path.join(victim, 'Documents', '.git'), { recursive: true });
  fs.mkdirSync(path.join(victim, '.hidden-folder'));
  const files: Record<string, string> = {
    'notes.txt': 'my notes',
    '.bashrc': 'alias ll="ls -l"',
    'Documents/a.txt': 'a',
    'Documents/.git/HEAD': 'ref: refs/heads/main',
    '.hidden-folder/keep': 'keep',
    // Named as the library's own leftovers of an ended process would be: still not the library's.
    [`${gone()}-aaaaaaaaaaaa`]: 'looks like a temporary',
    [`.${gone()}_1.00-bbbbbbbbbbbb`]: 'looks like a half-made lock',
    'import-1': 'looks like a journal',
    '7/train_graphs/loss.svg.tmp-1_1.00-cccccccccccc': 'looks like a graph temporary',
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(victim, rel)), { recursive: true });
    fs.writeFileSync(path.join(victim, rel), text);
  }
  // Old enough for the owner-lock sweep to judge half-made locks (it waits a minute).
  for (const rel of fs.readdirSync(victim, { recursive: true }).map(String)) fs.utimesSync(path.join(victim, rel), twoMinutesAgo(), twoMinutesAgo());
  // A lock file of an ended owner (a SQLite file no one locks).
  new Database(path.join(victim, `${gone()}_1.00.lock`)).close();
  return tree(victim);
}

/** Replace the library's folder `name` with a link to `target`. */
function plantLink(name: string, target: string): string {
  const link = path.join(paths.root, name);
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(target, link);
  return link;
}

beforeEach(async () => {
  dir = tempDir('qc-store-sweep-links-');
  paths = libraryPaths(path.join(dir, 'library'));
  victim = path.join(dir, 'victim');
  fs.mkdirSync(victim);
  await open().close(); // a real library, made the way the app makes it
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("opening a library whose own folder is a link", () => {
  it.each(['tmp', 'owners'])("refuses a linked %s/ naming it, and leaves everything where it leads untouched", (name) => {
    const before = makeVictim();
    const link = plantLink(name, victim);
    const e = qcError(open);
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain(`${link} is a link, not a folder`);
    expect(e.message).toMatch(/Replace the link with a real folder.*or choose another folder\.$/);
    expect(tree(victim)).toEqual(before);
    // The folder check the app runs when a library folder is chosen says the same.
    expect(qcError(() => checkLibraryFolder(paths.root)).message).toBe(e.message);
  });

  it('refuses every folder the library writes or sweeps when it is a link (originals/, thumbs/, previews/, journal/, runs/ too)', () => {
    const before = makeVictim();
    for (const name of LIBRARY_FOLDERS) {
      const link = plantLink(name, victim);
      expect(qcError(open).message, name).toContain(`${link} is a link, not a folder`);
      expect(tree(victim), name).toEqual(before);
      fs.rmSync(link);
      fs.mkdirSync(link);
    }
    const core = open(); // all real again: it opens
    return core.close();
  });

  it("refuses tmp/ linked to the library's own folder, and keeps the library's files", async () => {
    const core = open();
    await core.close();
    const kept = ['library.sqlite', 'originals', 'thumbs', 'previews', 'owners'];
    plantLink('tmp', '..');
    expect(qcError(open).message).toContain(`${paths.tmp} is a link`);
    for (const name of kept) expect(fs.existsSync(path.join(paths.root, name)), name).toBe(true);
  });

  it('refuses owners/ or tmp/ that is a file, naming it', () => {
    for (const name of ['owners', 'tmp', 'journal', 'runs']) {
      const file = path.join(paths.root, name);
      fs.rmSync(file, { recursive: true, force: true });
      fs.writeFileSync(file, 'a file of yours');
      const e = qcError(open);
      expect(e.message, name).toBe(`${paths.root}: ${file} is a file, not a folder: Quality Curator keeps its library's files in that folder. Move the file away, or choose another folder.`);
      expect(fs.readFileSync(file, 'utf8')).toBe('a file of yours');
      fs.rmSync(file);
    }
  });

  it('writes no lock file where a linked owners/ leads, and sweeps nothing there, when asked directly', () => {
    const before = makeVictim();
    plantLink('owners', victim);
    expect(qcError(() => holdOwnerLock(paths.owners)).message).toContain(`${paths.owners} is a link`);
    expect(qcError(() => sweepOwnerLocks(paths.owners)).message).toContain(`${paths.owners} is a link`);
    plantLink('tmp', victim);
    expect(qcError(() => new ImageStore(paths).sweepTemp()).message).toContain(`${paths.tmp} is a link`);
    expect(tree(victim)).toEqual(before);
  });
});

describe('the sweeps at open, with entries they do not own in real tmp/ and owners/', () => {
  it('leave stray files, hidden folders and links alone, open the library, and still sweep the stale temporaries and locks of ended processes', async () => {
    const outsideFile = path.join(dir, 'outside.txt');
    fs.writeFileSync(outsideFile, 'outside');
    const dead = gone();
    // What is not ours: a stray file, a hidden file, a hidden folder with a file in it, a folder and
    // a link under names our code uses for files, all older than a minute.
    const strays = (folder: string, ours: string) => {
      fs.writeFileSync(path.join(folder, 'notes.txt'), 'notes');
      fs.writeFileSync(path.join(folder, '.stray'), 'hidden');
      fs.mkdirSync(path.join(folder, '.hidden-folder'));
      fs.writeFileSync(path.join(folder, '.hidden-folder', 'keep'), 'keep');
      fs.mkdirSync(path.join(folder, ours));
      fs.writeFileSync(path.join(folder, ours, 'keep'), 'keep');
      fs.symlinkSync(outsideFile, path.join(folder, `${ours.replace(/a/g, 'b')}`));
      for (const rel of fs.readdirSync(folder, { recursive: true }).map(String)) fs.lutimesSync(path.join(folder, rel), twoMinutesAgo(), twoMinutesAgo());
      return tree(folder);
    };
    const tmpStrays = strays(paths.tmp, `${dead}-aaaaaaaaaaaa`);
    const ownerStrays = strays(paths.owners, `.${dead}_1.00-aaaaaaaaaaaa`);
    // What is ours, left by an ended process: a temporary in tmp/, a half-made lock and a released lock in owners/.
    const temp = path.join(paths.tmp, `${dead}_1.00-cccccccccccc`);
    fs.writeFileSync(temp, 'half a picture');
    const halfLock = path.join(paths.owners, `.${dead}_1.00-dddddddddddd`);
    fs.writeFileSync(halfLock, '');
    fs.utimesSync(halfLock, twoMinutesAgo(), twoMinutesAgo());
    const freeLock = path.join(paths.owners, `${dead}_1.00.lock`);
    new Database(freeLock).close();

    const core = open();
    try {
      expect((await core.call('library.status', {})).images).toBe(0);
      expect(tree(paths.tmp)).toEqual(tmpStrays);
      // owners/ holds this process's lock now, beside the strays.
      expect(tree(paths.owners).filter(([rel]) => rel !== `${me.pid}_${me.start}.lock`)).toEqual(ownerStrays);
      expect(fs.existsSync(temp)).toBe(false);
      expect(fs.existsSync(halfLock)).toBe(false);
      expect(fs.existsSync(freeLock)).toBe(false);
      expect(fs.readFileSync(outsideFile, 'utf8')).toBe('outside');
    } finally {
      await core.close();
    }
  });
});
