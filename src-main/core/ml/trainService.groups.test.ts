import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { seedLibrary } from '../../../test-support/seedLibrary';
import type { CoreContext } from '../context';
import { openDatabase } from '../db/open';
import { loadGroupKeys, MAX_GROUPS_BYTES } from './trainService';

describe('loadGroupKeys (ml.train groups.file)', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(path.join(dir, 'library.db'));
  for (const i of [1, 2, 3]) {
    db.prepare("INSERT INTO images (id, sha256, path, format, width, height, bytes, thumb_path, preview_path) VALUES (?, ?, 'p', 'jpeg', 1, 1, 1, 't', 'v')").run(i, `sha${i}`);
    db.prepare('INSERT INTO image_urls (url, image_id) VALUES (?, ?)').run(`https://x.org/${i}.jpg`, i);
  }
  const core = { db } as unknown as CoreContext;
  db.prepare("INSERT INTO imports (id, kind, source, status) VALUES (1, 'ratings', 'r.tsv', 'done')").run();
  for (const i of [1, 2, 3]) db.prepare("INSERT INTO source_rows (origin, line, kind, url, raw, import_id) VALUES ('r.tsv', ?, 'ratings', ?, '{}', 1)").run(i, `https://x.org/${i}.jpg`);

  it('reads groups by URL from a TSV (CRLF, extra spaces) and names the columns it needs', async () => {
    const f = path.join(dir, 'groups.tsv');
    fs.writeFileSync(f, 'id\tsource_file\r\nhttps://x.org/1.jpg\tA\r\nhttps://x.org/2.jpg\t A \r\n\r\nhttps://x.org/3.jpg\tB\r\n');
    const keys = await loadGroupKeys(core, { file: f, groupColumn: 'source_file' });
    expect([...keys.entries()].sort()).toEqual([
      [1, 'A'],
      [2, 'A'],
      [3, 'B'],
    ]);
    await expect(loadGroupKeys(core, { file: f, groupColumn: 'family' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/needs columns id and family/) });
    await expect(loadGroupKeys(core, { file: path.join(dir, 'nope.tsv'), groupColumn: 'g' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/no such file/) });
  });

  it('reads quoted cells and a UTF-16 file with its byte order mark as a spreadsheet writes them; refuses a file that names no image', async () => {
    const quoted = path.join(dir, 'quoted.tsv');
    fs.writeFileSync(quoted, '"id"\t"source_file"\n"https://x.org/1.jpg"\t"A"\n"https://x.org/3.jpg"\t"B"\n');
    expect([...(await loadGroupKeys(core, { file: quoted, groupColumn: 'source_file' })).entries()].sort()).toEqual([
      [1, 'A'],
      [3, 'B'],
    ]);
    const wide = path.join(dir, 'wide.tsv');
    fs.writeFileSync(wide, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id\tsource_file\r\nhttps://x.org/2.jpg\tC\r\n', 'utf16le')]));
    expect([...(await loadGroupKeys(core, { file: wide, groupColumn: 'source_file' })).entries()]).toEqual([[2, 'C']]);
    const none = path.join(dir, 'none.tsv');
    fs.writeFileSync(none, 'id\tsource_file\nno-such-id\ta\nhttps://x.org/9.jpg\tb\n');
    await expect(loadGroupKeys(core, { file: none, groupColumn: 'source_file' })).rejects.toMatchObject({ code: 'bad_input', file: none, message: expect.stringMatching(/none of its 2 ids names an image of this library/) });
    const blank = path.join(dir, 'blank.tsv');
    fs.writeFileSync(blank, 'id\tsource_file\nhttps://x.org/1.jpg\t\n');
    await expect(loadGroupKeys(core, { file: blank, groupColumn: 'source_file' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/no row with both id and source_file/) });
  });

  it('refuses a FIFO, a device, a folder and a file over the cap at once, before reading it', async () => {
    const fifo = path.join(dir, 'groups.fifo');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    await expect(loadGroupKeys(core, { file: fifo, groupColumn: 'g' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/FIFO/) });
    await expect(loadGroupKeys(core, { file: '/dev/zero', groupColumn: 'g' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/device/) });
    await expect(loadGroupKeys(core, { file: dir, groupColumn: 'g' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/folder/) });
    const big = path.join(dir, 'big.tsv');
    fs.writeFileSync(big, 'id\tg\n');
    fs.truncateSync(big, MAX_GROUPS_BYTES + 1); // sparse: no disk used
    await expect(loadGroupKeys(core, { file: big, groupColumn: 'g' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/over the limit/) });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('refuses a line over 1 MB with its number and an empty file', async () => {
    const long = path.join(dir, 'long.tsv');
    fs.writeFileSync(long, `id\tg\nhttps://x.org/1.jpg\t${'y'.repeat(2 * 1024 * 1024)}\n`);
    await expect(loadGroupKeys(core, { file: long, groupColumn: 'g' })).rejects.toMatchObject({ code: 'bad_input', line: 2, message: expect.stringMatching(/2.0 MB long/) });
    const empty = path.join(dir, 'empty.tsv');
    fs.writeFileSync(empty, '');
    await expect(loadGroupKeys(core, { file: empty, groupColumn: 'g' })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/empty/) });
  });
});

describe('ml.train with a groups file', () => {
  it('refuses a missing file or column before a run exists: no failed run is left behind', async () => {
    const lib = seedLibrary({ images: 60, trained: false, ml: 'in-process' });
    try {
      const dir = tempDir();
      const groups = path.join(dir, 'groups.tsv');
      fs.writeFileSync(groups, 'id\tsource\n');
      await expect(lib.core.call('ml.train', { features: ['signals'], hidden: 0, groups: { file: path.join(dir, 'missing.tsv'), groupColumn: 'source' } })).rejects.toMatchObject({ code: 'bad_input' });
      await expect(lib.core.call('ml.train', { features: ['signals'], hidden: 0, groups: { file: groups, groupColumn: 'family' } })).rejects.toMatchObject({ message: expect.stringMatching(/needs columns id and family/) });
      expect((await lib.core.call('ml.runs', { all: true })).runs).toEqual([]);
    } finally {
      await lib.core.close();
    }
  });
});

