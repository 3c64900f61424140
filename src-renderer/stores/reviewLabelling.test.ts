// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { setup, until } from '../../test-support/renderer/render';

/** A store with scores loaded and the review view's first page there; `s` reads its state. */
async function ready() {
  const ctx = setup();
  const s = () => ctx.store.getState();
  await s().loadScores();
  await until(() => expect(s().views.review.pages.has(0)).toBe(true));
  return { ...ctx, s };
}

describe('labelling steps are taken one after the other', () => {
  test('Z pressed while the last B is still on its way undoes that B, not the step before it', async () => {
    const { client, s } = await ready();
    const w = s().itemAt('review', 0)!.image_id;
    const x = s().itemAt('review', 1)!.image_id;
    const target = client.image(w)!.label === 'bad' ? 'good' : 'bad';
    const xBefore = client.image(x)!;
    await s().setLabel('review', target, [w]); // an earlier step, done
    expect(client.image(w)!.label).toBe(target);
    const xLabel = xBefore.label === 'bad' ? 'good' : 'bad';
    // B on x (a big selection takes a while): still on its way when Z is pressed.
    const release = client.hold('labels.set');
    const bx = s().setLabel('review', xLabel, [x]);
    const z = s().undo();
    await new Promise((r) => setTimeout(r, 50));
    release();
    await Promise.all([bx, z]);
    // The step undone is "B on x": x has its label back, w keeps the earlier step's.
    expect(client.image(w)).toMatchObject({ label: target, origin: 'curator' });
    expect(client.image(x)).toMatchObject({ label: xBefore.label, origin: xBefore.origin });
    expect(s().itemAt('review', 1)).toMatchObject({ image_id: x, label: xBefore.label });
    // Shift+Z applies "B on x" again, and a second Z then takes back the earlier step.
    await s().redo();
    expect(client.image(x)).toMatchObject({ label: xLabel, origin: 'curator' });
    await Promise.all([s().undo(), s().undo()]);
    expect(client.image(x)).toMatchObject({ label: xBefore.label, origin: xBefore.origin });
    expect(client.image(w)!.label).not.toBe(target);
  });

  test('a new label change made while an undo is on its way clears what Shift+Z would redo', async () => {
    const { client, s } = await ready();
    const w = s().itemAt('review', 0)!.image_id;
    const x = s().itemAt('review', 1)!.image_id;
    const target = client.image(w)!.label === 'bad' ? 'good' : 'bad';
    await s().setLabel('review', target, [w]);
    const release = client.hold('labels.undo');
    const z = s().undo();
    const b = s().setLabel('review', 'bad', [x]);
    release();
    await Promise.all([z, b]);
    const sets = client.callsOf('labels.set').length;
    await s().redo();
    // Nothing to redo: the undone step was followed by a new change.
    expect(client.callsOf('labels.set')).toHaveLength(sets);
    expect(client.image(w)!.label).not.toBe(target);
    expect(s().toasts.at(-1)!.text).toBe('Nothing to redo');
  });
});
