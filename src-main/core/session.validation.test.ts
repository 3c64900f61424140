/**
 * Malformed API calls (issue 9) through the one dispatcher, as the IPC and WebSocket transports
 * deliver them (CallSession over a real core): each is refused with `invalid_argument` naming the
 * field, and nothing is stored or left running.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src-shared/contract/transport';
import { DEV_IMAGES, tempDir } from '../../test-support/fixtures';
import { createCore, type Core } from './app';
import { CallSession } from './session';

let dir: string;
let core: Core;
let ids: number[];

beforeAll(async () => {
  dir = tempDir();
  const photos = path.join(dir, 'photos');
  fs.mkdirSync(photos);
  for (const n of [9000001, 9000002]) fs.copyFileSync(path.join(DEV_IMAGES, `${n}.jpg`), path.join(photos, `${n}.jpg`));
  core = createCore({ dataDir: path.join(dir, 'data'), ml: 'in-process' });
  await core.call('library.import', { source: photos });
  await core.call('labels.set', { imageIds: [1], label: 'bad' });
  ids = (core.context.db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);
});
afterAll(async () => {
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function call(method: string, args: unknown): Promise<ServerMessage> {
  return new Promise((resolve) => {
    const s = new CallSession(core, (m) => {
      if (m.type === 'result' || m.type === 'error') resolve(m);
    });
    s.call({ type: 'call', id: 1, method, args });
  });
}

const snapshot = () => ({
  labels: core.context.db.prepare('SELECT * FROM labels ORDER BY image_id').all(),
  settings: core.context.db.prepare('SELECT * FROM settings ORDER BY key').all(),
  imports: core.context.db.prepare('SELECT id, status FROM imports ORDER BY id').all(),
});

describe('malformed calls over a transport', () => {
  it.each([
    ['ml.setThreshold', { threshold: [0.5] }, /threshold/],
    ['ml.setThreshold', { threshold: Number.NaN }, /threshold/],
    ['labels.set', { imageIds: [1] }, /label/],
    ['labels.set', { imageIds: ['1'], label: 'bad' }, /imageIds\[0\]/],
    ['library.import', { source: '/nonexistent', concurrency: 'abc' }, /concurrency/],
    ['library.import', { source: 42 }, /source/],
    ['labels.setRule', { rule: { bad: '1,2', good: [4, 5], exemplar: 'good' } }, /rule\.bad/],
    ['review.page', { offset: 0, limit: 1e9 }, /limit/],
    ['export.tags', { outDir: '/tmp/x', threshold: '0.5' }, /threshold/],
  ])('%s %j is invalid_argument naming the field, and changes nothing', async (method, args, field) => {
    const before = snapshot();
    const m = await call(method, args);
    expect(m.type).toBe('error');
    const error = (m as Extract<ServerMessage, { type: 'error' }>).error;
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toMatch(field);
    expect(error.message.startsWith(`${method}: `)).toBe(true);
    expect(snapshot()).toEqual(before);
    expect((core.context.db.prepare("SELECT COUNT(*) AS n FROM imports WHERE status = 'running'").get() as { n: number }).n).toBe(0);
  });

  it('a good call still works through the same path', async () => {
    const m = await call('labels.set', { imageIds: [ids[1]], label: 'good' });
    expect(m.type).toBe('result');
  });
});
