/** Paths and small helpers shared by tests: the repo root, the shared dev dataset, temp libraries. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { QcError } from '../src-shared/contract/errors';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_DIR = path.resolve(REPO_ROOT, '../shared');
export const DEV_DIR = path.join(SHARED_DIR, 'datasets', 'quality-dev');
export const DEV_IMAGES = path.join(DEV_DIR, 'images');
export const DEV_URL_PREFIX = 'https://content.eol.org/data/media/qc/';

export function tempDir(prefix = 'qc-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The dev dataset's ratings rows: [id, url, rating, ancestry]. */
export function devRatings(): [string, string, number, string][] {
  const [, ...lines] = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').trim().split('\n');
  return lines.map((l) => {
    const [id = '', url = '', rating = '', ancestry = '{}'] = l.split('\t');
    return [id, url, Number(rating), ancestry];
  });
}

/** Run `fn`, expect it to throw a QcError, and return that error. */
export function qcError(fn: () => unknown): QcError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(QcError);
    return e as QcError;
  }
  throw new Error('expected a QcError, nothing was thrown');
}

/** Await `work`, expect it to reject with a QcError, and return that error. */
export async function qcRejection(work: Promise<unknown>): Promise<QcError> {
  try {
    await work;
  } catch (e) {
    expect(e).toBeInstanceOf(QcError);
    return e as QcError;
  }
  throw new Error('expected a QcError, nothing was thrown');
}
