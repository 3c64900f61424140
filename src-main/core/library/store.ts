/**
 * Content-addressed files: originals, previews and thumbnails named by the sha256 of the original.
 * Every file is written to tmp/ and renamed into place, so a crash never leaves a partial file
 * under a final name; the database row is committed only after all three files exist.
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

  /** Store the original, thumbnail and preview; without a preview the original is its own preview. */
  async write(hash: string, format: string, original: Buffer, preview: Buffer | null, thumb: Buffer): Promise<StoredFiles> {
    const files = filesFor(hash, format);
    if (!preview) files.previewPath = files.path;
    await Promise.all([this.put(files.path, original), preview ? this.put(files.previewPath, preview) : null, this.put(files.thumbPath, thumb)]);
    return files;
  }

  abs(rel: string): string {
    return path.join(this.paths.root, rel);
  }

  /** Write atomically unless the file is already there (content-addressed: same name, same bytes). */
  private async put(rel: string, bytes: Buffer): Promise<void> {
    const dest = this.abs(rel);
    if (fs.existsSync(dest)) return;
    await fs.promises.mkdir(path.dirname(dest), { recursive: true });
    const tmp = path.join(this.paths.tmp, `${process.pid}-${randomBytes(6).toString('hex')}`);
    await fs.promises.writeFile(tmp, bytes);
    await fs.promises.rename(tmp, dest);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
