/**
 * `qc … | head -1`: the reader goes away while qc still prints. What is left is dropped quietly and
 * the command ends as it would (exit 0), never a `write EPIPE` stack trace and exit 1. A real `qc
 * failures` over a library with 2,000 recorded failures (far more than a pipe holds), its stdout
 * closed after the first chunk.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test-support/fixtures';
import { qcNodeArgs } from '../../test-support/qcProcess';
import { openDatabase } from '../core/db/open';
import { libraryPaths } from '../core/paths';

describe('qc with its output piped into a reader that stops early', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('drops the rest quietly and exits 0', async () => {
    const dataDir = path.join(dir, 'lib');
    fs.mkdirSync(dataDir, { recursive: true });
    const db = openDatabase(libraryPaths(dataDir).db);
    const put = db.prepare("INSERT INTO failures (url, reason, detail, stage) VALUES (?, 'network', ?, 'fetch')");
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) put.run(`https://m.example/x/${i}.jpg`, `getaddrinfo ENOTFOUND m.example (after 4 attempts) ${'·'.repeat(60)}`);
    })();
    db.close();
    const child = spawn(process.execPath, [...qcNodeArgs(), '--data', dataDir, 'failures', '--limit', '2000'], { cwd: REPO_ROOT });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Like `head -1`: read the first chunk, then close the reading end.
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(first).toContain('network');
    expect(err).not.toMatch(/EPIPE|Unhandled 'error'|node:events/);
    expect(code, err).toBe(0);
  }, 60_000);
});
