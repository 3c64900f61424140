/**
 * UTF-16 inputs (audit 2, bug 8; Excel's "Unicode Text"): refused before anything is read with
 * "the file is UTF-16: save it as UTF-8 text", naming the file, whichever byte order, with or
 * without a byte order mark and whatever kind is chosen; never the misleading "cannot tell the
 * kind" nor a missing column its header does have.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../app';
import { qcError, tempDir } from '../../../test-support/fixtures';
import { parseInput } from './parse';

const FILE = '/data/input.txt';
const TEXT = 'obj_with_overall_rating\tobj_url\toverall_rating\tancestry\r\n9000001\thttps://content.eol.org/data/media/qc/9000001.jpg\t1.5956\t{"kingdom":{"name":"Animalia"}}\r\n';
const le = (s: string) => Buffer.from(s, 'utf16le');
const be = (s: string) => Buffer.from(le(s)).swap16();

describe('parseInput: UTF-16 input', () => {
  it.each([
    ['little-endian with a BOM (Excel)', le(`\ufeff${TEXT}`)],
    ['big-endian with a BOM', be(`\ufeff${TEXT}`)],
    ['little-endian without a BOM', le(TEXT)],
    ['big-endian without a BOM', be(TEXT)],
    ['a bare URL list', le('https://a.org/x.jpg\n')],
  ])('%s is refused as UTF-16 on line 1', (_, bytes) => {
    for (const kind of [undefined, 'ratings', 'bundle'] as const) {
      const e = qcError(() => parseInput(bytes, FILE, kind));
      expect(e.code).toBe('bad_input');
      expect(e.file).toBe(FILE);
      expect(e.line).toBe(1);
      expect(e.message).toBe('the file is UTF-16: save it as UTF-8 text (tab-delimited)');
    }
  });

  it('says UTF-32 of a UTF-32 file', () => {
    const bytes = Buffer.alloc(8);
    bytes.set([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]);
    expect(qcError(() => parseInput(bytes, FILE)).message).toMatch(/^the file is UTF-32: save it as UTF-8 text/);
  });

  it('still reads UTF-8 and latin1 files, short ones and accented ones included', () => {
    expect(parseInput(Buffer.from(TEXT, 'utf8'), FILE).rows).toHaveLength(1);
    expect(parseInput(Buffer.from('https://a.org/é.jpg\n', 'latin1'), FILE).encoding).toBe('latin1');
    expect(parseInput(Buffer.from('https://a.org/x.jpg', 'utf8'), FILE).rows).toHaveLength(1);
  });
});

describe('importing a UTF-16 file', () => {
  const dir = tempDir();
  const core = createCore({ dataDir: path.join(dir, 'data') });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is refused naming the file, and nothing is stored', async () => {
    const file = path.join(dir, 'Unicode Text.txt');
    fs.writeFileSync(file, le(`\ufeff${TEXT}`));
    await expect(core.call('library.import', { source: file })).rejects.toMatchObject({ code: 'bad_input', file, message: expect.stringMatching(/^the file is UTF-16: save it as UTF-8 text/) });
    expect((await core.call('library.status', {})).imports).toBe(0);
  });
});
