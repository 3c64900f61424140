/**
 * Content-addressed files: originals, previews and thumbnails named by the sha256 of the original.
 * Every file is written to tmp/ and renamed into place, so a crash never leaves a partial file
 * under a final name; the database row is committed only after the files made at import exist
 * (the original always; the thumbnail and preview unless they are made later: verify.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { LibraryPaths } from '../paths';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface StoredFiles {
  /** Relative to the data dir. */
  path: string;
  thumbPath: string;
  previewPath: string;
}

const EXT: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tif', avif: 'avif', heif: 'heic' };

export function filesFor(hash: string, format: string): StoredFiles {
  const shard = hash.slice(0, 2);
  return {
    path: path.join('originals', shard, `${hash}.${EXT[format] ?? format}`),
    thumbPath: path.join('thumbs', shard, `${hash}.webp`),
    previewPath: path.join('previews', shard, `${hash}.webp`),
  };
}

export class ImageStore {
  constructor(readonly paths: LibraryPaths) {
    for (const dir of [paths.root, paths.originals, paths.thumbs, paths.previews, paths.tmp]) fs.mkdirSync(dir, { recursive: true });
  }

  /** Remove temporary files left by crashed runs (those whose writer process is gone). */
  sweepTemp(): number {
    let removed = 0;
    for (const name of fs.readdirSync(this.paths.tmp)) {
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) continue;
      if (pid === process.pid) continue;
      fs.rmSync(path.join(this.paths.tmp, name), { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  /**
   * Store the original, and the thumbnail and preview when they are made already (files.ts makes
   * them later otherwise, under the same names). `ownPreview`: the original is its own preview.
   */
  async write(hash: string, format: string, original: Buffer, derived: { ownPreview: boolean; preview: Buffer | null; thumb: Buffer | null }): Promise<StoredFiles> {
    const files = filesFor(hash, format);
    if (derived.ownPreview) files.previewPath = files.path;
    await Promise.all([
      this.put(files.path, original),
      derived.preview && !derived.ownPreview ? this.put(files.previewPath, derived.preview) : null,
      derived.thumb ? this.put(files.thumbPath, derived.thumb) : null,
    ]);
    return files;
  }

  abs(rel: string): string {
    return path.join(this.paths.root, rel);
  }

  private put(rel: string, bytes: Buffer): Promise<void> {
    return putFile(this.paths, rel, bytes);
  }
}

/**
 * Write a file of the library atomically (tmp/, then rename) unless it is already there
 * (content-addressed: same name, same bytes). Names in tmp/ start with the writer's pid (sweepTemp).
 */
export async function putFile(paths: Pick<LibraryPaths, 'root' | 'tmp'>, rel: string, bytes: Buffer): Promise<void> {
  const dest = path.join(paths.root, rel);
  if (fs.existsSync(dest)) return;
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  const tmp = path.join(paths.tmp, `${process.pid}-${randomBytes(6).toString('hex')}`);
  await fs.promises.writeFile(tmp, bytes);
  await fs.promises.rename(tmp, dest);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
