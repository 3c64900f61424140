/**
 * `qc features FILE…`: a file that cannot be read makes the command fail (exit 1), its line still
 * printed; a missing file is named once. A real process over a seeded library (a signals run).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, tempDir, devPhotos } from '../../test-support/fixtures';
import { seedLibrary } from '../../test-support/seedLibrary';
import { runQc } from '../../test-support/qcProcess';

let dir: string;
let dataDir: string;

const qc = (...args: string[]) => runQc(dataDir, ...args);

beforeAll(async () => {
  dir = tempDir('qc-cli-features-');
  const lib = seedLibrary({ images: 10, runs: 1, dataDir: path.join(dir, 'data') });
  dataDir = lib.dataDir;
  await lib.core.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('qc features', () => {
  it('exits 1 when any file could not be read, after printing every line; 0 when all were', () => {
    const photo = path.join(DEV_IMAGES, devPhotos()[0]!);
    const broken = path.join(dir, 'broken.jpg');
    fs.writeFileSync(broken, 'not an image at all');
    const ok = qc('features', photo);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ file: photo, inputs: { signals: { shape: [1, expect.any(Number)] } } });
    const r = qc('features', photo, broken);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; error?: string; inputs?: unknown });
    expect(lines.map((l) => l.file)).toEqual([photo, broken]);
    expect(lines[0]!.error).toBeUndefined();
    expect(lines[1]!.error).toEqual(expect.any(String));
    const j = qc('features', broken, '--json');
    expect(j.code).toBe(1);
    expect((JSON.parse(j.stdout) as { images: { error?: string }[] }).images[0]!.error).toEqual(expect.any(String));
  }, 120_000);

  it('names a missing file or a folder once', () => {
    const missing = path.join(dir, 'nope.jpg');
    const r = qc('features', missing);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`qc: ${missing}: no such file\n`);
    const j = qc('features', missing, '--json');
    expect(JSON.parse(j.stdout)).toEqual({ error: { code: 'not_found', message: 'no such file', file: missing } });
    const folder = qc('features', dir);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toBe(`qc: ${dir}: not a file\n`);
  }, 60_000);
});
