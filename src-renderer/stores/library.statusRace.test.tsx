// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { holdAnswer } from '../../test-support/renderer/gate';
import { setup } from '../../test-support/renderer/render';

describe('loadStatus: a slow library.status answer lands after a newer one', () => {
  test('the older counts do not replace the newer ones, and awaiting the older load gives the newest status', async () => {
    const ctx = setup();
    const s = () => ctx.store.getState();
    await s().loadStatus();
    const before = s().status!.labels;
    // A status reload already on its way (a library.changed burst), its answer slow.
    const held = holdAnswer(ctx.client, 'library.status');
    const older = s().loadStatus();
    await held.seen;
    await new Promise((r) => setTimeout(r, 20)); // the core answered it (the counts before the label)
    const img = ctx.client.images[0]!;
    await ctx.client.call('labels.set', { imageIds: [img.id], label: img.label === 'bad' ? 'good' : 'bad' });
    const now = (await ctx.client.call('library.status', {})).labels;
    expect(now).not.toEqual(before);
    await s().loadStatus();
    expect(s().status!.labels).toEqual(now);
    held.release();
    const got = await older;
    expect(s().status!.labels).toEqual(now);
    expect(got?.labels).toEqual(now);
  });
});
