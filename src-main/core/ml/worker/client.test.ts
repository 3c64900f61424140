// The real ML worker thread: errors thrown inside it reach the caller with their QcError code.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QcError } from '../../../../src-shared/contract/errors';
import { devPhotos, tempDir } from '../../../../test-support/fixtures';
import { WorkerEngine } from './client';
import { decodeError, encodeError } from './protocol';

describe('ML worker errors', () => {
  const engine = new WorkerEngine();
  afterAll(() => engine.close());

  it('a not_found thrown inside the worker reaches the caller as not_found, with its file', async () => {
    const modelsDir = path.join(tempDir(), 'no-models-here');
    const err = await engine.embed({ backboneId: 'mobilenet_v2', modelsDir, items: [], sets: ['whole'] }, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QcError);
    expect((err as QcError).code).toBe('not_found');
    expect((err as QcError).file).toBe(path.join(modelsDir, 'backbones.json'));
    expect((err as QcError).message).toMatch(/backbone manifest/);
  });

  it('the worker stays usable after an error', async () => {
    const info = await engine.embed({ backboneId: 'x', modelsDir: tempDir(), items: [], sets: ['signals'] }, () => {});
    expect(info).toEqual({ provider: 'none', backboneId: 'x', dim: 0 });
  });

  it('encodes every kind of thrown value: QcError keeps code, file and line; AbortError keeps its name; others stay plain errors', () => {
    const qc = decodeError(encodeError(new QcError('bad_input', 'row 3 is wrong', { file: 'a.tsv', line: 3 })));
    expect(qc).toBeInstanceOf(QcError);
    expect((qc as QcError).toJSON()).toEqual({ code: 'bad_input', message: 'row 3 is wrong', file: 'a.tsv', line: 3 });
    const abort = decodeError(encodeError(Object.assign(new Error('stop'), { name: 'AbortError' })));
    expect(abort).not.toBeInstanceOf(QcError);
    expect(abort.name).toBe('AbortError');
    const plain = decodeError(encodeError('boom'));
    expect([plain.name, plain.message]).toEqual(['Error', 'boom']);
  });
});

describe('ML worker: the caller failing to store what arrives', () => {
  const engine = new WorkerEngine();
  afterAll(() => engine.close());

  it('an error thrown by onBatch (a full disk while storing features) fails the call, not the process; the worker stays usable', async () => {
    const photos = devPhotos().slice(0, 3).map((file, i) => ({ sha: `s${i}`, file }));
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    let batches = 0;
    const err = await engine
      .embed({ backboneId: 'x', modelsDir: tempDir(), items: photos, sets: ['signals'], batchSize: 1 }, () => {
        batches++;
        throw full;
      })
      .catch((e: unknown) => e);
    expect(err).toBe(full);
    expect(batches).toBe(1); // the rest of the call was cancelled, not handed over
    const stored: string[] = [];
    await engine.embed({ backboneId: 'x', modelsDir: tempDir(), items: photos, sets: ['signals'], batchSize: 1 }, (results) => stored.push(...results.map((r) => r.sha)));
    expect(stored.sort()).toEqual(['s0', 's1', 's2']);
  });
});
