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

/** A writer of text files under `dir`: `write('out/a.tsv', lines)` makes its folders, writes the lines (each ended by \n) and returns the path. */
export function linesWriter(dir: string): (name: string, lines: string[]) => string {
  return (name, lines) => {
    const f = path.join(dir, name);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, lines.join('\n') + '\n');
    return f;
  };
}

/** The header of a final-tags file (`<bundle>_finaltags.tsv`) as qc classify writes it for an EOL bundle. */
export const FINAL_TAGS_HEADER = 'eolMediaURL\tidentifier\tdataObjectVersionID\tancestry\timclass\tconfidence\tsource\tp_bad';

/** The dev dataset's ratings rows: [id, url, rating, ancestry]. */
export function devRatings(): [string, string, number, string][] {
  const [, ...lines] = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').trim().split('\n');
  return lines.map((l) => {
    const [id = '', url = '', rating = '', ancestry = '{}'] = l.split('\t');
    return [id, url, Number(rating), ancestry];
  });
}

/** The dev dataset's photo files (`.jpg` names in DEV_IMAGES), sorted: the same order on every machine. */
export function devPhotos(): string[] {
  return fs
    .readdirSync(DEV_IMAGES)
    .filter((f) => f.endsWith('.jpg'))
    .sort();
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

/** A finished run with no head and no scores of its own (tag files are merged into it): its id. */
export function insertDoneRun(db: { prepare(sql: string): { run(): { lastInsertRowid: number | bigint } } }): number {
  return Number(db.prepare("INSERT INTO runs (status, params, backbone) VALUES ('done', '{}', 'test')").run().lastInsertRowid);
}
