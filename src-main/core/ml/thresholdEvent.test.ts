/** Every open view hears when the threshold for export changes (two tabs never disagree). */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../../../src-shared/contract/events';
import { createCore } from '../app';
import { tempDir } from '../../../test-support/fixtures';

describe('threshold.changed', () => {
  const dir = tempDir();
  const core = createCore({ dataDir: path.join(dir, 'data') });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is pushed when the curator sets or clears the threshold', async () => {
    const heard: EventMap['threshold.changed'][] = [];
    core.events.on('threshold.changed', (p) => heard.push(p));
    await core.call('ml.setThreshold', { threshold: 0.95 });
    await core.call('ml.setThreshold', { threshold: null });
    expect(heard.map((h) => h.curator)).toEqual([0.95, null]);
    expect(heard[0]!.active_run).toBeNull();
  });
});
