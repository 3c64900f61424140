/**
 * `qc serve`'s image files when a link or folder of the library is swapped between the check of an
 * image file and its open: the swap is made deterministically, right after the real check returns.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCore, type Core } from '../core/app';
import type * as Files from '../core/library/files';
import { DEV_IMAGES, tempDir } from '../../test-support/fixtures';
import { startServer, type RunningServer } from './server';

/** Run once right after the next image file check, before the server opens anything. */
let afterCheck: (() => void) | null = null;

vi.mock('../core/library/files', async (importOriginal) => {
  const actual = await importOriginal<typeof Files>();
  return {
    ...actual,
    imageFileOnDisk: async (...args: Parameters<typeof actual.imageFileOnDisk>) => {
      const file = await actual.imageFileOnDisk(...args);
      const hook = afterCheck;
      afterCheck = null;
      hook?.();
      return file;
    },
  };
});

let dir: string;
let core: Core;
let server: RunningServer;
let id: number;
let thumbPath: string;
const SECRET = Buffer.from('TOP SECRET outside the library\n');

function get(target: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path: target, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  dir = tempDir('qc-server-files-');
  fs.mkdirSync(path.join(dir, 'photos'));
  fs.copyFileSync(path.join(DEV_IMAGES, '9000001.jpg'), path.join(dir, 'photos', 'a.jpg'));
  core = createCore({ dataDir: path.join(dir, 'data'), ml: 'in-process' });
  await core.call('library.import', { source: path.join(dir, 'photos') });
  const row = core.context.db.prepare('SELECT id, thumb_path FROM images').get() as { id: number; thumb_path: string };
  id = row.id;
  thumbPath = row.thumb_path;
  fs.mkdirSync(path.join(dir, 'outside'));
  fs.writeFileSync(path.join(dir, 'outside', 'secret.webp'), SECRET);
  fs.writeFileSync(path.join(dir, 'outside', 't.webp'), SECRET);
  server = await startServer({ core, rendererDir: path.join(dir, 'renderer') });
});

afterAll(async () => {
  await server?.close();
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('qc serve: /files never serves a file swapped in after its check', () => {
  it('a thumbs/ link swapped to point outside after the check: the checked thumbnail is served, never the outside file', async () => {
    const { db, paths } = core.context;
    const realThumb = path.join(paths.root, thumbPath);
    const link = path.join(paths.thumbs, 'zz_link.webp');
    fs.symlinkSync(realThumb, link);
    db.prepare('UPDATE images SET thumb_path = ? WHERE id = ?').run('thumbs/zz_link.webp', id);
    let swapped = false;
    afterCheck = () => {
      fs.rmSync(link);
      fs.symlinkSync(path.join(dir, 'outside', 'secret.webp'), link);
      swapped = true;
    };
    try {
      const r = await get(`/files/thumb/${id}?t=${server.token}`);
      expect(swapped).toBe(true);
      expect(r.body.equals(SECRET)).toBe(false);
      expect(r.status).toBe(200);
      expect(r.body.equals(fs.readFileSync(realThumb))).toBe(true);
      // Asked again, the link leads out: refused.
      expect((await get(`/files/thumb/${id}?t=${server.token}`)).status).toBe(404);
    } finally {
      afterCheck = null;
      db.prepare('UPDATE images SET thumb_path = ? WHERE id = ?').run(thumbPath, id);
      fs.rmSync(link, { force: true });
    }
  });

  it('a folder above the checked file swapped for a link out after the check: 404, never the outside file', async () => {
    const { db, paths } = core.context;
    const folder = path.join(paths.thumbs, 'zz_dir');
    fs.mkdirSync(folder);
    fs.copyFileSync(path.join(paths.root, thumbPath), path.join(folder, 't.webp'));
    db.prepare('UPDATE images SET thumb_path = ? WHERE id = ?').run('thumbs/zz_dir/t.webp', id);
    let swapped = false;
    afterCheck = () => {
      fs.renameSync(folder, `${folder}.moved`);
      fs.symlinkSync(path.join(dir, 'outside'), folder);
      swapped = true;
    };
    try {
      const r = await get(`/files/thumb/${id}?t=${server.token}`);
      expect(swapped).toBe(true);
      expect(r.body.equals(SECRET)).toBe(false);
      expect(r.status).toBe(404);
    } finally {
      afterCheck = null;
      db.prepare('UPDATE images SET thumb_path = ? WHERE id = ?').run(thumbPath, id);
      fs.rmSync(folder, { recursive: true, force: true });
      fs.rmSync(`${folder}.moved`, { recursive: true, force: true });
    }
    // Untouched, the thumbnail is served whole.
    const ok = await get(`/files/thumb/${id}?t=${server.token}`);
    expect([ok.status, ok.body.equals(fs.readFileSync(path.join(paths.root, thumbPath)))]).toEqual([200, true]);
  });
});
