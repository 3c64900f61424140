// @vitest-environment jsdom
// The export actions' jobs (jobRunner.ts) on the real core: each keeps its own job id, a cancel ends
// only the job it names, and an error clears the id and is shown.
import { describe, expect, test } from 'vitest';
import { joinPath, tempDir } from '../../test-support/renderer/files';
import { setup, until } from '../../test-support/renderer/render';

const tmp = tempDir('qc-export-jobs-');

describe('export jobs', () => {
  test('two exports run side by side; cancelling one leaves the other running, to its result', async () => {
    const { client, store } = setup();
    const s = () => store.getState();
    const releaseTags = client.hold('export.tags');
    const releaseTraining = client.hold('export.training');
    s().setExportForm({ outDir: joinPath(tmp, 'tags') });
    s().setSeedForm({ trainingDir: joinPath(tmp, 'training'), sample: '25' });
    const tags = s().startExport();
    const training = s().startTrainingExport();
    const tagsId = s().exportJobId;
    const trainingId = s().trainingJobId;
    expect(tagsId).not.toBeNull();
    expect(trainingId).not.toBeNull();
    expect(tagsId).not.toBe(trainingId);
    expect(s().jobs.map((j) => [j.id, j.method])).toEqual([
      [tagsId, 'export.tags'],
      [trainingId, 'export.training'],
    ]);

    s().cancelJob(tagsId!);
    releaseTags();
    expect(await tags).toBeNull();
    expect(s().exportJobId).toBeNull();
    expect(s().lastExport).toBeNull();
    expect(s().toasts.map((t) => [t.kind, t.text])).toEqual([['info', 'Export: cancelled']]);
    // The other one runs on, its id kept.
    expect(s().trainingJobId).toBe(trainingId);
    expect(s().jobs.map((j) => j.id)).toEqual([trainingId]);

    releaseTraining();
    const r = await training;
    expect(r).not.toBeNull();
    expect(s().lastTraining).toEqual(r);
    expect(s().trainingJobId).toBeNull();
    expect(s().jobs).toEqual([]);
    expect(s().toasts.at(-1)).toMatchObject({ kind: 'success', text: `Training folders written to ${r!.dir}` });
  }, 30_000);

  test('a cancelled job does not clear the id of a later job in the same field', async () => {
    const { client, store } = setup();
    const s = () => store.getState();
    const release = client.hold('export.tags');
    s().setExportForm({ outDir: joinPath(tmp, 'tags-first') });
    const first = s().startExport();
    const firstId = s().exportJobId!;
    s().setExportForm({ outDir: joinPath(tmp, 'tags-second') });
    const second = s().startExport();
    const secondId = s().exportJobId!;
    expect(secondId).not.toBe(firstId);

    s().cancelJob(firstId);
    release();
    expect(await first).toBeNull();
    expect(s().exportJobId).toBe(secondId);
    const summary = await second;
    expect(summary).not.toBeNull();
    expect(s().lastExport).toEqual(summary);
    expect(s().exportJobId).toBeNull();
    expect(s().toasts.map((t) => t.kind)).toEqual(['info', 'success']);
  }, 30_000);

  test('an error clears the running id, keeps no result and is shown', async () => {
    const { client, store } = setup();
    const s = () => store.getState();
    const release = client.hold('export.training');
    s().setSeedForm({ trainingDir: joinPath(tmp, 'training-other'), modelDir: joinPath(tmp, 'model') });
    const training = s().startTrainingExport();
    const trainingId = s().trainingJobId;
    // One of the two files-for-other-tools exports at a time: the model waits its turn.
    expect(await s().startModelExport()).toBeNull();
    expect(client.callsOf('export.model')).toEqual([]);
    release();
    await training;

    client.failNext('export.model', { code: 'bad_input', message: 'the folder is not empty', file: '/x/model' });
    const model = s().startModelExport();
    expect(s().modelJobId).not.toBeNull();
    expect(s().modelJobId).not.toBe(trainingId);
    expect(await model).toBeNull();
    expect(s().modelJobId).toBeNull();
    expect(s().lastModel).toBeNull();
    expect(s().jobs).toEqual([]);
    await until(() => expect(s().toasts.at(-1)).toMatchObject({ kind: 'error', text: 'Export model: /x/model: the folder is not empty' }));
  }, 30_000);
});
