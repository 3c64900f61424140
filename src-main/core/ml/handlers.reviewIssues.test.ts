/**
 * ml.reviewIssues announces (library.changed 'issues') only the images whose verdict it stored or
 * removed: an unlabelled image named beside them, or one reopened that had no verdict, is not in
 * the event, so open views do not mark it reviewed; the answer names the unlabelled ones
 * (`unlabelled`), on which nothing was stored. A real seeded library and its core.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../../../src-shared/contract/events';
import { seedLibrary } from '../../../test-support/seedLibrary';

describe('ml.reviewIssues names the images it changed', () => {
  const lib = seedLibrary({ images: 200 });
  afterAll(async () => {
    await lib.core.close();
    fs.rmSync(lib.dataDir, { recursive: true, force: true });
  });
  const heard: EventMap['library.changed'][] = [];
  lib.core.events.on('library.changed', (p) => heard.push(p));
  const db = lib.core.context.db;

  it('leaves out an unlabelled image, and on reopen an image with no verdict', async () => {
    const [a, b] = db.prepare('SELECT image_id FROM label_issues WHERE run_id = ? ORDER BY rank LIMIT 2').pluck().all(lib.runId) as number[];
    const unlabelled = db.prepare('SELECT image_id FROM labels WHERE label IS NULL LIMIT 1').pluck().get() as number;
    expect([a, b, unlabelled].every((id) => typeof id === 'number')).toBe(true);

    const confirmed = await lib.core.call('ml.reviewIssues', { imageIds: [a!, unlabelled], action: 'confirm' });
    expect(confirmed.changed).toBe(1);
    // The answer names the image nothing was stored on, so a front door can say why.
    expect(confirmed.unlabelled).toEqual([unlabelled]);
    expect(heard.at(-1)).toEqual({ reason: 'issues', reviewed: { imageIds: [a], action: 'confirm' } });

    const reopened = await lib.core.call('ml.reviewIssues', { imageIds: [b!, a!], action: 'reopen' });
    expect(reopened.changed).toBe(1);
    expect(reopened).not.toHaveProperty('unlabelled');
    expect(heard.at(-1)).toEqual({ reason: 'issues', reviewed: { imageIds: [a], action: 'reopen' } });
    expect(heard).toHaveLength(2);
  });
});
