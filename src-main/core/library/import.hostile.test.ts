/**
 * Hostile and careless inputs (issue 9): no single URL can abort an import, local files are read
 * only when allowed and only if they are regular files under the size cap, every failure names
 * its row, and no import is ever left `running`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_IMAGES, devRatings, tempDir } from '../../../test-support/fixtures';
import { useTempLibrary } from '../../../test-support/devLibrary';
import { startImageServer, type ImageServer } from '../../../test-support/image-server';
import { Importer } from './importer';
import { LibraryWriteFailure, type ImageStore } from './store';
import { QcError } from '../../../src-shared/contract/errors';
import { userFsError } from '../fsSafe';
import { canMakeUnwritable, makeUnwritable, makeWritable } from '../../../test-support/unwritable';

const PREFIX = 'https://mirror.example/qc/';
const GOOD = devRatings().slice(0, 6);
const photo = (i: number) => path.basename(GOOD[i]![1]);
const canFifo = process.platform !== 'win32' && spawnSync('mkfifo', ['--version']).status === 0;

function ratings(file: string, rows: [string, string, string][]): void {
  fs.writeFileSync(file, ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows.map(([id, url, r]) => `${id}\t${url}\t${r}\t{}`)].join('\n') + '\n');
}

interface Fixture {
  dir: string;
  mirror: string;
  fifo: string | null;
  big: string;
}

function fixture(): Fixture {
  const dir = tempDir();
  const mirror = path.join(dir, 'mirror');
  fs.mkdirSync(path.join(mirror, 'subdir.jpg'), { recursive: true });
  for (let i = 0; i < GOOD.length; i++) fs.copyFileSync(path.join(DEV_IMAGES, photo(i)), path.join(mirror, photo(i)));
  // A 1 GB file that takes no disk space (sparse): it must be refused by its size, not read.
  const big = path.join(mirror, 'big.jpg');
  fs.writeFileSync(big, fs.readFileSync(path.join(DEV_IMAGES, photo(0))));
  fs.truncateSync(big, 1024 ** 3);
  fs.symlinkSync('/etc/hostname', path.join(mirror, 'link.jpg'));
  let fifo: string | null = null;
  if (canFifo) {
    fifo = path.join(mirror, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
  }
  return { dir, mirror, fifo, big };
}

describe('an import with hostile rows', () => {
  let f: Fixture;
  let core: Core;
  let list: string;
  const hostile: [string, string, string][] = [];

  beforeAll(() => {
    f = fixture();
    core = createCore({ dataDir: path.join(f.dir, 'data') });
    list = path.join(f.dir, 'image_ratings.txt');
    hostile.push(
      ['901', `${PREFIX}bad%ZZescape.jpg`, '1.5'], // a broken %-escape in a mirrored URL
      ['902', `${PREFIX}subdir.jpg`, '1.5'], // the mirrored path is a folder
      ['903', 'file://host/x.jpg', '1.5'], // a file URL with a remote host
      ['904', 'file:///etc/passwd', '4.5'], // a local file, no --allow-local
      ['905', `${PREFIX}big.jpg`, '4.5'], // 1 GB
      ['906', `${PREFIX}link.jpg`, '4.5'], // a link out of the mirror
      ['907', `${PREFIX}..%2F..%2F..%2Fetc%2Fpasswd`, '4.5'], // traversal out of the mirror
      ['908', `${PREFIX}${photo(1)}`, '0x3'], // a hex rating
      ['909', 'javascript:alert(1)', '2'],
      ['910', `${PREFIX}pipe.jpg`, '2'], // a FIFO (or, without mkfifo, a missing file that falls through to the network)
    );
    ratings(list, [...GOOD.map(([id, url, r]) => [id, url.replace(/^.*\//, PREFIX), String(r)] as [string, string, string]), ...hostile]);
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(f.dir, { recursive: true, force: true });
  });

  const expectRun = async () => {
    const s = await core.call('library.import', { source: list, mirrors: [{ prefix: PREFIX, dir: f.mirror }], timeoutMs: 2000, retries: 0 });
    expect(s.images_new + s.images_existing).toBe(GOOD.length);
    expect(s.rows).toBe(GOOD.length + hostile.length);
    const by = s.failures_by_reason;
    expect(by.bad_url).toBe(3 + 1); // %ZZ, link, traversal (URL failures) + javascript: (row problem)
    expect(by.not_file).toBe(canFifo ? 2 : 1);
    expect(by.local_refused).toBe(2);
    expect(by.too_large).toBe(1);
    expect(by.bad_rating).toBe(1);
    const status = core.context.db.prepare('SELECT status, error FROM imports WHERE id = ?').get(s.import_id) as { status: string; error: string | null };
    expect(status).toEqual({ status: 'done', error: null });
    return s;
  };

  it('imports every good row and records every hostile one with a reason and its file:line', async () => {
    const before = process.memoryUsage().rss;
    await expectRun();
    // The 1 GB file was refused by its size, not read.
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 ** 2);
    const { failures } = await core.call('library.failures', {});
    expect(failures).toHaveLength(hostile.length);
    for (const fl of failures) {
      expect(fl.file, JSON.stringify(fl)).toBe(list);
      expect(fl.line, JSON.stringify(fl)).toBeGreaterThan(GOOD.length + 1);
      expect(fl.detail.length).toBeGreaterThan(5);
    }
    const byLine = new Map(failures.map((x) => [x.line, x]));
    const line = (id: string) => hostile.findIndex((h) => h[0] === id) + GOOD.length + 2;
    expect(byLine.get(line('901'))?.reason).toBe('bad_url');
    expect(byLine.get(line('902'))?.detail).toMatch(/folder/);
    expect(byLine.get(line('904'))?.reason).toBe('local_refused');
    expect(byLine.get(line('905'))?.detail).toMatch(/1073741824 bytes/);
    expect(byLine.get(line('906'))?.detail).toMatch(/link/);
    expect(byLine.get(line('908'))?.reason).toBe('bad_rating');
    if (canFifo) expect(byLine.get(line('910'))?.detail).toMatch(/FIFO/);
    // Nothing of /etc/passwd was read into the library.
    expect(JSON.stringify(failures)).not.toMatch(/root:/);
  });

  it('does the same again on a re-run, and with --retry-failed', async () => {
    await expectRun();
    const s = await core.call('library.import', { source: list, mirrors: [{ prefix: PREFIX, dir: f.mirror }], retryFailed: true, timeoutMs: 2000, retries: 0 });
    expect(s.images_existing).toBe(GOOD.length);
    expect(s.failed).toBe(hostile.length - 2); // the two row problems are not URL failures
    expect((core.context.db.prepare("SELECT COUNT(*) AS n FROM imports WHERE status <> 'done'").get() as { n: number }).n).toBe(0);
  });
});

describe('local files with --allow-local', () => {
  let f: Fixture;
  let core: Core;
  let server: ImageServer;

  beforeAll(async () => {
    f = fixture();
    core = createCore({ dataDir: path.join(f.dir, 'data') });
    server = await startImageServer({ imagesDir: f.dir });
    server.override('/tofile/a.jpg', (res) => {
      res.writeHead(302, { location: 'file:///etc/passwd' });
      res.end();
    });
  });
  afterAll(async () => {
    await core?.close();
    await server?.close();
    fs.rmSync(f.dir, { recursive: true, force: true });
  });

  it('reads regular files under the cap from a local list, and nothing else', async () => {
    const list = path.join(f.dir, 'local.txt');
    const url = (p: string) => pathToFileURL(p).href;
    const rows: [string, string, string][] = [
      ['1', url(path.join(f.mirror, photo(0))), '4.5'],
      ['2', url(path.join(f.mirror, photo(1))), '1.5'],
      ['3', 'file://host/x.jpg', '2'],
      ['4', url(f.big), '2'],
      ['5', url(path.join(f.mirror, 'subdir.jpg')), '2'],
      ['6', url(path.join(f.dir, 'missing.jpg')), '2'],
    ];
    if (f.fifo) rows.push(['7', url(f.fifo), '2']);
    ratings(list, rows);
    const started = performance.now();
    const s = await core.call('library.import', { source: list, allowLocal: true });
    expect(performance.now() - started).toBeLessThan(20_000); // the FIFO did not hang it
    expect(s.images_new).toBe(2);
    expect(s.failures_by_reason).toEqual({ bad_url: 1, too_large: 1, not_file: f.fifo ? 2 : 1, missing_file: 1 });
    // Each is a URL of the list that failed (the one naming another host too), none a problem of the list itself.
    expect(s.row_problems_by_reason).toEqual({});
    expect([s.row_problems, s.failed]).toEqual([0, f.fifo ? 5 : 4]);

    // Without the flag the same list reads nothing local.
    const again = await core.call('library.import', { source: list, retryFailed: true });
    expect(again.images_new).toBe(0);
    expect(again.failures_by_reason).toEqual({ local_refused: rows.length - 2 }); // all but the two stored
  });

  it('tries a file: URL refused as local again once --allow-local is given, as the refusal advises, without --retry-failed', async () => {
    const list = path.join(f.dir, 'advice.txt');
    const url = (i: number) => pathToFileURL(path.join(f.mirror, photo(i))).href;
    ratings(list, [['31', url(3), '4.5'], ['32', url(4), '1.5']]);
    const refused = await core.call('library.import', { source: list });
    expect(refused.failures_by_reason).toEqual({ local_refused: 2 });
    const allowed = await core.call('library.import', { source: list, allowLocal: true });
    expect({ new: allowed.images_new, failed: allowed.failed, before: allowed.failed_before ?? 0 }).toEqual({ new: 2, failed: 0, before: 0 });
    // Other failures from before are still skipped without --retry-failed: a missing file stays failed, untried.
    ratings(list, [['33', pathToFileURL(path.join(f.dir, 'gone.jpg')).href, '2']]);
    expect((await core.call('library.import', { source: list, allowLocal: true })).failures_by_reason).toEqual({ missing_file: 1 });
    const twice = await core.call('library.import', { source: list, allowLocal: true });
    expect([twice.failed, twice.failed_before]).toEqual([1, 1]);
  });

  it('never reads local files named by a list downloaded over HTTP, even with allowLocal', async () => {
    fs.writeFileSync(path.join(f.dir, 'remote.txt'), [url0(), url0().replace(photo(0), photo(2))].join('\n') + '\n');
    const s = await core.call('library.import', { source: `${server.base}/list/remote.txt`, allowLocal: true, kind: 'bundle' });
    expect(s.rows).toBe(2);
    expect(s.failures_by_reason).toEqual({ local_refused: 1 });
    expect(s.images_existing).toBe(1); // photo(0) was stored from the local list before: no read needed
    function url0() {
      return pathToFileURL(path.join(f.mirror, photo(0))).href;
    }
  });

  it('refuses a redirect to a file: URL', async () => {
    const list = path.join(f.dir, 'redirect.txt');
    fs.writeFileSync(list, `${server.base}/tofile/a.jpg\n`);
    const s = await core.call('library.import', { source: list, allowLocal: true, retries: 0 });
    expect(s.failures_by_reason).toEqual({ redirect_refused: 1 });
  });
});

describe('imports always end', () => {
  const lib = useTempLibrary();
  let list: string;

  beforeAll(() => {
    list = path.join(lib.dir, 'r.txt');
    ratings(list, GOOD.map(([id, url, r]) => [id, url.replace(/^.*\//, PREFIX), String(r)]));
  });

  it('an import left running by a process that is gone is marked failed (interrupted) at the next open', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const db = lib.core.context.db;
    const id = Number(db.prepare("INSERT INTO imports (kind, source, status, pid) VALUES ('ratings', 'x', 'running', ?)").run(gone).lastInsertRowid);
    const alive = Number(db.prepare("INSERT INTO imports (kind, source, status, pid) VALUES ('ratings', 'y', 'running', ?)").run(process.ppid).lastInsertRowid);
    const other = createCore({ dataDir: path.join(lib.dir, 'data') });
    await other.close();
    expect(db.prepare('SELECT status, error FROM imports WHERE id = ?').get(id)).toEqual({ status: 'failed', error: expect.stringMatching(/^interrupted: .*pid \d+/) });
    // Another live process's import is left alone.
    expect((db.prepare('SELECT status FROM imports WHERE id = ?').get(alive) as { status: string }).status).toBe('running');
    db.prepare("UPDATE imports SET status = 'done' WHERE id = ?").run(alive);
  });

  it('an error that stops the whole import marks it failed with the reason, not running', async () => {
    let calls = 0;
    const signal = new AbortController().signal;
    const err = await lib.core.handlers['library.import']({ source: list, mirrors: [{ prefix: PREFIX, dir: DEV_IMAGES }] }, {
      signal,
      progress: (p) => {
        if (p.phase === 'download' && ++calls > 2) throw new Error('the progress channel broke');
      },
    }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/progress channel broke/);
    const row = lib.core.context.db.prepare('SELECT status, error FROM imports ORDER BY id DESC LIMIT 1').get();
    expect(row).toEqual({ status: 'failed', error: expect.stringMatching(/progress channel broke/) });
  });

  it('a library that cannot store pictures (its disk full) stops the import with that reason, not a failure per URL; the rest land when imported again', async () => {
    const real = lib.core.context.store;
    let n = 0;
    // The fault the file system gives: the store's own error for it (store.ts wraps what putFile throws).
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const store = Object.assign(Object.create(real) as ImageStore, {
      write: (...a: Parameters<ImageStore['write']>) => (++n >= 3 ? Promise.reject(new LibraryWriteFailure(userFsError(full, '/lib/originals/x.jpg', 'cannot store it'))) : real.write(...a)),
    });
    const dir2 = tempDir();
    const core2 = createCore({ dataDir: path.join(dir2, 'data') });
    try {
      const importer = new Importer({ ...core2.context, store });
      const args = { source: list, mirrors: [{ prefix: PREFIX, dir: DEV_IMAGES }], concurrency: 1 };
      const err = await importer.run(args, { signal: new AbortController().signal, progress: () => {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QcError);
      expect((err as QcError).message).toMatch(/^\/lib\/originals\/x\.jpg: cannot store it: the disk is full \(the import stopped: .*import again for the rest\)$/);
      const row = core2.context.db.prepare('SELECT status, error FROM imports ORDER BY id DESC LIMIT 1').get();
      expect(row).toEqual({ status: 'failed', error: expect.stringMatching(/the disk is full/) });
      // No URL was blamed for the library's disk, and what was stored before stays.
      expect((await core2.call('library.failures', {})).total).toBe(0);
      expect((await core2.call('library.status', {})).images).toBe(2);
      // Room again: the same import brings in the rest, no --retry-failed needed.
      const again = await core2.call('library.import', args);
      expect([again.images_new, again.failed]).toEqual([GOOD.length - 2, 0]);
    } finally {
      await core2.close();
      fs.rmSync(dir2, { recursive: true, force: true });
    }
  });

  it.runIf(canMakeUnwritable())('the store says a picture it could not write, its folder unwritable, is the library\'s failure; a file in one folder\'s way is that picture\'s', async () => {
    const dir2 = tempDir();
    const core2 = createCore({ dataDir: path.join(dir2, 'data') });
    const { store, paths } = core2.context;
    const write = (first: string) => store.write(`${first}${'0'.repeat(62)}`, 'jpeg', Buffer.from('x'), { ownPreview: true, preview: null, thumb: null }).catch((e: unknown) => e);
    try {
      fs.mkdirSync(paths.tmp, { recursive: true });
      makeUnwritable(paths.tmp);
      let err: unknown;
      try {
        err = await write('cd');
      } finally {
        makeWritable(paths.tmp);
        fs.chmodSync(paths.tmp, 0o755);
      }
      expect(err).toBeInstanceOf(LibraryWriteFailure);
      expect((err as LibraryWriteFailure).code).toBe('bad_input');
      expect((err as Error).message).toMatch(/cannot store it: (no permission|not permitted) \(the import stopped: /);
      // A file where one shard's folder should be: only the pictures stored there fail, each on its own.
      fs.writeFileSync(path.join(paths.originals, 'ab'), 'in the way');
      const own = await write('ab');
      expect(own).toBeInstanceOf(QcError);
      expect(own).not.toBeInstanceOf(LibraryWriteFailure);
      expect((own as Error).message).toMatch(/originals\/ab: a library folder must be a folder, but a file is there/);
    } finally {
      await core2.close();
      fs.rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('an unexpected error for one URL is that URL\'s failure (internal), the rest still land', async () => {
    const real = lib.core.context.store;
    let n = 0;
    const store = Object.assign(Object.create(real) as ImageStore, { write: (...a: Parameters<ImageStore['write']>) => (++n === 2 ? Promise.reject(new RangeError('disk hiccup')) : real.write(...a)) });
    const dir2 = tempDir();
    const core2 = createCore({ dataDir: path.join(dir2, 'data') });
    try {
      const importer = new Importer({ ...core2.context, store });
      const s = await importer.run({ source: list, mirrors: [{ prefix: PREFIX, dir: DEV_IMAGES }], concurrency: 1 }, { signal: new AbortController().signal, progress: () => {} });
      expect(s.failures_by_reason).toEqual({ internal: 1 });
      expect(s.images_new).toBe(GOOD.length - 1);
      const { failures } = await core2.call('library.failures', {});
      expect(failures[0]?.detail).toMatch(/RangeError: disk hiccup/);
      expect(failures[0]?.line).toBeGreaterThan(1);
    } finally {
      await core2.close();
      fs.rmSync(dir2, { recursive: true, force: true });
    }
  });
});
