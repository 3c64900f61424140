/** Bulk changes (imports, rule changes) are pushed once as `library.changed`, so every open view reloads what it shows. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../../../src-shared/contract/events';
import { createCore } from '../app';
import { DEV_DIR, DEV_URL_PREFIX, DEV_IMAGES, tempDir } from '../../../test-support/fixtures';

describe('library.changed', () => {
  const dir = tempDir();
  const core = createCore({ dataDir: path.join(dir, 'data') });
  const heard: EventMap['library.changed'][] = [];
  core.events.on('library.changed', (p) => heard.push(p));
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is pushed after an import, and after one that fails', async () => {
    const [header, ...lines] = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').trim().split('\n');
    const list = path.join(dir, 'ratings.txt');
    fs.writeFileSync(list, [header, ...lines.slice(0, 12)].join('\n') + '\n');
    await core.call('library.import', { source: list, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
    expect(heard).toEqual([{ reason: 'import' }]);
    await expect(core.call('library.import', { source: path.join(dir, 'missing.txt') })).rejects.toThrow(/no such file/);
    expect(heard).toEqual([{ reason: 'import' }, { reason: 'import' }]);
  });

  it('is pushed after a rule change that relabels, not after one that changes no label', async () => {
    heard.length = 0;
    const rule = await core.call('labels.getRule', {});
    const r = await core.call('labels.setRule', { rule: { ...rule, good: [5] } });
    expect(r.relabelled).toBeGreaterThan(0);
    expect(heard).toEqual([{ reason: 'rule' }]);
    const same = await core.call('labels.setRule', { rule: { ...rule, good: [5] } });
    expect(same.relabelled).toBe(0);
    expect(heard).toEqual([{ reason: 'rule' }]);
  });
});
