/**
 * The URL policy's refusals (sources.ts) and input lists opened under the local-file rules
 * (openInputFile): what the importer and the tag import read their lists through.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { qcError, tempDir } from '../../../test-support/fixtures';
import { FetchFailure } from './fetch';
import { checkRedirect, openInputFile, resolveSource } from './sources';

const POLICY = { mirrors: [], allowLocal: false };

const failureOf = (fn: () => unknown): FetchFailure => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FetchFailure);
    return e as FetchFailure;
  }
  throw new Error('expected a FetchFailure');
};

describe('resolveSource: URLs with credentials', () => {
  it('refuses a user name or password as bad_url (never retried), and keeps an @ elsewhere in the URL', () => {
    for (const url of ['http://user:pw@host.example/x.jpg', 'https://user@host.example/x.jpg', 'http://:pw@127.0.0.1:8080/x.jpg', 'HTTPS://u:p@host.example/']) {
      const f = failureOf(() => resolveSource(url, POLICY));
      expect([f.reason, f.message, f.retryable]).toEqual(['bad_url', 'URLs with a user name or password are not accepted', false]);
    }
    for (const url of ['http://host.example/a@b.jpg', 'https://host.example/x.jpg?by=me@there', 'http://@host.example/x.jpg']) {
      expect(resolveSource(url, POLICY).kind).toBe('http');
    }
  });

  it('refuses a redirect to a URL with credentials', () => {
    const f = failureOf(() => checkRedirect('https://a.example/x.jpg', 'https://user:pw@b.example/x.jpg'));
    expect(f.reason).toBe('redirect_refused');
    expect(f.message).toMatch(/user name or password/);
    expect(() => checkRedirect('https://a.example/x.jpg', 'https://b.example/x@y.jpg')).not.toThrow();
  });
});

describe('openInputFile', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const refusal = async (file: string, maxBytes: number): Promise<QcError> => {
    const e = await openInputFile(file, maxBytes).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(QcError);
    expect((e as QcError).code).toBe('bad_input');
    expect((e as QcError).file).toBe(file);
    return e as QcError;
  };

  it('reads a regular file at any position, and refuses it once it has grown (over the cap or not)', async () => {
    const file = path.join(dir, 'list.txt');
    fs.writeFileSync(file, 'abcdef');
    const input = await openInputFile(file, 10);
    try {
      const buf = Buffer.alloc(4);
      expect(buf.subarray(0, input.read(buf, 2)).toString()).toBe('cdef');
      expect(input.read(buf, 6)).toBe(0);
      expect(() => input.checkUnchanged()).not.toThrow();
      fs.appendFileSync(file, 'ghijklmn');
      const e = qcError(() => input.read(Buffer.alloc(16), 0));
      expect([e.code, e.file, e.message]).toEqual(['bad_input', file, 'the file changed while it was being read: try again when it is complete']);
    } finally {
      await input.close();
    }
  });

  it('refuses a file truncated or rewritten in place (the same size) since it was opened, at the next read and at checkUnchanged, with the words given', async () => {
    for (const change of ['truncated', 'rewritten'] as const) {
      const file = path.join(dir, `${change}.txt`);
      fs.writeFileSync(file, 'abcdefgh');
      const input = await openInputFile(file, 100, 'import it again');
      try {
        const buf = Buffer.alloc(4);
        expect(buf.subarray(0, input.read(buf, 0)).toString()).toBe('abcd');
        if (change === 'truncated') fs.truncateSync(file, 6);
        else {
          // Same size, another time of change: set as a later write sets it (a file system's clock
          // may tick coarser than this test runs).
          const fd = fs.openSync(file, 'r+');
          fs.writeSync(fd, 'EFGH', 4);
          fs.futimesSync(fd, new Date(), new Date(Date.now() + 5_000));
          fs.closeSync(fd);
          expect(fs.statSync(file).size).toBe(8);
        }
        const words = 'the file changed while it was being read: import it again when it is complete';
        expect(qcError(() => input.checkUnchanged())).toMatchObject({ code: 'bad_input', file, message: words });
        expect(qcError(() => input.read(buf, 4))).toMatchObject({ code: 'bad_input', file, message: words });
      } finally {
        await input.close();
      }
    }
  });

  it('refuses by its size a sparse file over the cap, before reading a byte', async () => {
    const big = path.join(dir, 'big.txt');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 1024 ** 3); // 1 GB that takes no disk, and has no line break
    const e = await refusal(big, 512 * 1024 * 1024);
    expect(e.message).toBe('the file has 1073741824 bytes, over the limit of 536870912 bytes');
  });

  it('refuses a folder, a device and a FIFO (without hanging), and names a missing file', async () => {
    expect((await refusal(dir, 1024)).message).toMatch(/a folder, not a regular file/);
    if (fs.existsSync('/dev/zero')) expect((await refusal('/dev/zero', 1024)).message).toMatch(/a device, not a regular file/);
    if (process.platform !== 'win32' && spawnSync('mkfifo', ['--version']).status === 0) {
      const fifo = path.join(dir, 'pipe.txt');
      execFileSync('mkfifo', [fifo]);
      expect((await refusal(fifo, 1024)).message).toMatch(/a FIFO \(named pipe\), not a regular file/);
    }
    expect((await refusal(path.join(dir, 'missing.txt'), 1024)).message).toMatch(/no such file/);
  });
});
