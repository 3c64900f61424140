// @vitest-environment jsdom
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { formatProbability } from '../../../src-shared/domain/threshold';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { App } from '../shell/App';
import { IssuesScreen } from './IssuesScreen';
import type { LabelIssue } from '../../../src-shared/domain/ml';
import { issuesSource, WHY_LIMIT } from './openIssues';

type LabelIssueLike = Pick<LabelIssue, 'image_id' | 'given' | 'rank'>;

function tiles(): HTMLElement[] {
  return screen.queryAllByTestId(/^tile-\d+$/);
}

/** The Label issues screen on a seeded library of `images`, once more than `shown` tiles show. */
async function renderIssues(images: number, shown: number) {
  const ctx = setup({ images });
  await ctx.store.getState().loadRuns();
  const r = renderWith(<IssuesScreen />, ctx);
  await until(() => expect(tiles().length).toBeGreaterThan(shown));
  return r;
}

describe('Label issues screen', () => {
  test('shows why the focused image is suspected; confirm and dismiss take issues off the queue and the sidebar count', async () => {
    const user = userEvent.setup();
    const { client, lib } = setup({ images: 240, trained: false });
    const core = lib.core;
    // A real run on the seeded signals with 12 labels planted wrong (it becomes the active run).
    const flipped = lib.images.filter((im) => im.label).filter((_, i) => i % 15 === 3).slice(0, 12);
    for (const im of flipped) await core.call('labels.set', { imageIds: [im.id], label: im.label === 'good' ? 'bad' : 'good' });
    const run = await core.call('ml.train', { features: ['signals'], hidden: 0, epochs: 15, folds: 3 });
    expect(run.status).toBe('done');
    const before = await core.call('ml.labelIssues', { limit: 1000 });
    expect(before.total).toBeGreaterThan(3);
    render(<App client={client} />);
    // The sidebar shows the open count before the screen is visited.
    await until(() => expect(within(screen.getByTestId('nav-issues')).getByText(String(before.total))).toBeTruthy());
    // The badge asks for the count only (limit 0), never a list of issues.
    expect(client.callsOf('ml.labelIssues').length).toBeGreaterThan(0);
    expect(client.callsOf('ml.labelIssues').map((a) => a.limit)).toEqual(client.callsOf('ml.labelIssues').map(() => 0));

    await user.click(screen.getByTestId('nav-issues'));
    // The screen shows why-lines: now the issues are listed.
    await until(() => expect(client.callsOf('ml.labelIssues').some((a) => (a.limit ?? 0) > 0)).toBe(true));
    // Every listed issue is a tile: those within the estimate, then those beyond it.
    await until(() => expect(tiles().length).toBe(before.issues.length));
    // Tiles come in rank order; the first is the top issue.
    const first = before.issues[0]!;
    expect(tiles()[0]!.getAttribute('data-testid')).toBe(`tile-${first.image_id}`);
    await user.click(tiles()[0]!);
    await until(() => expect(screen.getByTestId('issue-why').textContent).toContain(`labelled ${first.given}`));
    const why = screen.getByTestId('issue-why').textContent!;
    expect(why).toContain(`looks ${first.suggested}`);
    expect(why).toContain(`p(bad) ${formatProbability(first.p_bad, 2)}`);
    expect(why).toMatch(/rating \d\.\d\d/);

    // Past the estimate: the tiles after the open count say so.
    expect(before.beyond).toBeGreaterThan(0);
    const past = before.issues[before.total]!;
    expect(past.beyond_estimate).toBe(true);
    expect(tiles()[before.total]!.getAttribute('data-testid')).toBe(`tile-${past.image_id}`);
    // Their rank badges say so; those within the estimate do not.
    expect(within(tiles()[before.total]!).getByTestId('tile-rank').dataset.beyond).toBe('true');
    expect(within(tiles()[0]!).getByTestId('tile-rank').dataset.beyond).toBe('false');
    await user.click(tiles()[before.total]!);
    await until(() => expect(screen.getByTestId('issue-why').textContent).toContain('beyond the estimate of wrong labels'));
    await until(() => expect(screen.getByTestId('preview-issue-beyond').textContent).toContain('beyond the estimate'));
    expect(screen.getByTestId('issue-open').textContent).toContain(`then ${before.beyond} beyond the estimate`);
    await user.click(tiles()[0]!);
    await until(() => expect(screen.getByTestId('issue-why').textContent).not.toContain('beyond the estimate'));
    await until(() => expect(screen.queryByTestId('preview-issue-beyond')).toBeNull());

    // Confirm the focused label: it leaves the queue, the count and the sidebar badge drop by one.
    await user.click(screen.getByTestId('issue-confirm'));
    await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(before.total - 1)));
    await until(() => expect(tiles().length).toBe(before.issues.length - 1));
    expect(screen.queryByTestId(`tile-${first.image_id}`)).toBeNull();
    await until(() => expect(within(screen.getByTestId('nav-issues')).getByText(String(before.total - 1))).toBeTruthy());
    // The core remembers it (a retrain reads the same table).
    const after = await core.call('ml.labelIssues', { limit: 1000, includeReviewed: true });
    expect(after.reviewed).toBe(1);
    expect(client.callsOf('ml.reviewIssues')).toEqual([{ imageIds: [first.image_id], action: 'confirm', shown: [first.given] }]);

    // Dismiss the next one.
    await user.click(tiles()[0]!);
    const second = Number(tiles()[0]!.getAttribute('data-testid')!.slice('tile-'.length));
    await user.click(screen.getByTestId('issue-dismiss'));
    await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(before.total - 2)));
    expect((await core.call('ml.labelIssues', { limit: 1000 })).issues.map((i) => i.image_id)).not.toContain(second);

    // Away from the screen, relabelling an issue the list holds takes it off the badge without asking the core.
    await user.click(screen.getByTestId('nav-review'));
    const n = client.callsOf('ml.labelIssues').length;
    const third = before.issues.find((i) => !i.beyond_estimate && i.image_id !== first.image_id && i.image_id !== second)!;
    await core.call('labels.set', { imageIds: [third.image_id], label: third.given === 'bad' ? 'good' : 'bad' });
    await until(() => expect(within(screen.getByTestId('nav-issues')).getByText(String(before.total - 3))).toBeTruthy());
    expect((await core.call('ml.labelIssues', { limit: 0 })).total).toBe(before.total - 3);
    expect(client.callsOf('ml.labelIssues').length).toBe(n);
    // A label change on an image the list does not hold refreshes the badge with counts only.
    const listed = new Set(before.issues.map((i) => i.image_id));
    const other = lib.images.find((im) => im.label && !listed.has(im.id))!;
    await core.call('labels.set', { imageIds: [other.id], label: other.label === 'bad' ? 'good' : 'bad' });
    await until(() => expect(client.callsOf('ml.labelIssues').length).toBeGreaterThan(n));
    expect(client.callsOf('ml.labelIssues').slice(n).map((a) => a.limit)).toEqual(client.callsOf('ml.labelIssues').slice(n).map(() => 0));
  });

  test('label keys, confirm and dismiss update the listed issues in place: no list again per key, and a library change still reloads it', async () => {
    const user = userEvent.setup();
    const { client, lib, store } = setup({ images: 600 });
    const core = lib.core;
    const truth = () => core.call('ml.labelIssues', { limit: WHY_LIMIT });
    /** What the screen holds (the why-lines, the counts, the sidebar) equals what the core lists now. */
    const matchesCore = async () => {
      const want = await truth();
      const got = issuesSource(client).state;
      expect({ total: got.total, beyond: got.beyond, reviewed: got.reviewed }).toEqual({ total: want.total, beyond: want.beyond, reviewed: want.reviewed });
      expect(new Set(got.byImage.keys())).toEqual(new Set(want.issues.map((i) => i.image_id)));
      expect(screen.getByTestId('issue-open').dataset.value).toBe(String(want.total));
      expect(within(screen.getByTestId('nav-issues')).getByText(String(want.total))).toBeTruthy();
      return want;
    };
    // One issue relabelled before the screen opens: closed, so not in the list the screen gets.
    const pre = (await truth()).issues.find((i) => !i.beyond_estimate)!;
    await core.call('labels.set', { imageIds: [pre.image_id], label: pre.given === 'bad' ? 'good' : 'bad' });
    const before = await truth();
    expect(before.total).toBeGreaterThan(8);
    render(<App client={client} store={store} />);
    await user.click(await screen.findByTestId('nav-issues'));
    await until(() => expect(tiles().length).toBe(before.issues.length));
    await until(() => expect(issuesSource(client).state.byImage.size).toBe(before.issues.length));
    await matchesCore();
    const listCalls = () => client.callsOf('ml.labelIssues').length;
    const calls0 = listCalls();

    const open = before.issues.filter((i) => !i.beyond_estimate);
    const opposite = (l: 'good' | 'bad') => (l === 'bad' ? 'g' : 'b');
    const idle = () =>
      until(() => {
        expect(screen.getByTestId('issue-confirm').hasAttribute('disabled')).toBe(false);
        expect(screen.getByTestId('issue-confirm').hasAttribute('aria-disabled')).toBe(false);
      });
    // N keys on N issues: relabel (B/G, U), confirm, dismiss, and a relabel from another window.
    const steps: [LabelIssueLike, 'key' | 'u' | 'confirm' | 'dismiss' | 'elsewhere'][] = [
      [open[0]!, 'key'],
      [open[1]!, 'confirm'],
      [open[2]!, 'dismiss'],
      [open[3]!, 'u'],
      [open[4]!, 'elsewhere'],
      [open[5]!, 'key'],
      [open[6]!, 'confirm'],
    ];
    /**
     * Click the image's tile until the focus is on it. The tiles are keyed by their place, so when a
     * verdict's refresh lands between finding the tile and the click, the element found shows the
     * next image by then, and the click (as a curator's at that spot) picks that one.
     */
    const focusTile = async (id: number) => {
      for (let tries = 0; ; tries++) {
        await until(() => expect(screen.getByTestId(`tile-${id}`)).toBeTruthy());
        await user.click(screen.getByTestId(`tile-${id}`));
        if (store.getState().itemAt('issues', store.getState().views.issues.focus)?.image_id === id) return;
        if (tries === 4) throw new Error(`the tile of image ${id} never took the focus`);
      }
    };
    const callsAfter: number[] = [];
    for (const [k, [iss, how]] of steps.entries()) {
      if (how === 'elsewhere') await core.call('labels.set', { imageIds: [iss.image_id], label: iss.given === 'bad' ? 'good' : 'bad' });
      else {
        await focusTile(iss.image_id);
        await until(() => expect(screen.getByTestId('issue-why').textContent).toContain(`labelled ${iss.given}`));
        if (how === 'key') await user.keyboard(opposite(iss.given));
        else if (how === 'u') await user.keyboard('u');
        else {
          await idle();
          await user.click(screen.getByTestId(`issue-${how}`));
        }
      }
      // The acted-on issue leaves the why-lines and the count (the sidebar's too) at once.
      await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(before.total - k - 1)));
      await until(() => expect(within(screen.getByTestId('nav-issues')).getByText(String(before.total - k - 1))).toBeTruthy());
      expect(issuesSource(client).state.byImage.has(iss.image_id)).toBe(false);
      // After a verdict the focus moves on to the next issue; a relabelled tile stays focused, no issue any more: no verdict on it.
      if (how === 'confirm' || how === 'dismiss') await idle();
      else if (how !== 'elsewhere') await until(() => expect(screen.getByTestId('issue-confirm').hasAttribute('aria-disabled')).toBe(true));
      callsAfter.push(listCalls());
    }
    // Not one more ml.labelIssues call however many keys: the count of calls does not grow with N.
    expect(callsAfter).toEqual(steps.map(() => calls0));
    const after = await matchesCore();
    expect(after.total).toBe(before.total - steps.length);
    expect(after.reviewed).toBe(before.reviewed + steps.length);
    // The last confirm took its tile off the gallery, and the focus moved on to the next issue listed: its why-line shows.
    await until(() => expect(screen.queryByTestId(`tile-${open[6]!.image_id}`)).toBeNull());
    const focused = store.getState().itemAt('issues', store.getState().views.issues.focus)!;
    expect(focused.image_id).not.toBe(open[6]!.image_id);
    const focusedIssue = after.issues.find((i) => i.image_id === focused.image_id)!;
    expect(focusedIssue).toBeTruthy();
    expect(focusedIssue.rank).toBeGreaterThan(open[6]!.rank);
    await until(() => expect(screen.getByTestId('issue-why').textContent).toContain(`labelled ${focusedIssue.given}`));
    // Undo takes back the last verdict (the confirm: that issue is open again), then the relabel
    // before it, still without asking.
    await user.keyboard('z');
    await until(() => expect(issuesSource(client).state.byImage.has(open[6]!.image_id)).toBe(true));
    await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(after.total + 1)));
    expect(issuesSource(client).state.byImage.has(open[5]!.image_id)).toBe(false);
    await user.keyboard('z');
    await until(() => expect(issuesSource(client).state.byImage.has(open[5]!.image_id)).toBe(true));
    await until(() => expect(screen.getByTestId('issue-open').dataset.value).toBe(String(after.total + 2)));
    expect(listCalls()).toBe(calls0);
    await matchesCore();

    // Another window puts back the label of the issue closed before the list came: the screen cannot
    // tell that from what it holds, so it asks for the counts, which grew, and then for the list again.
    await core.call('labels.set', { imageIds: [pre.image_id], label: pre.given });
    await until(() => expect(issuesSource(client).state.byImage.has(pre.image_id)).toBe(true));
    expect(client.callsOf('ml.labelIssues').slice(calls0).map((a) => a.limit)).toEqual([0, WHY_LIMIT]);
    const reopened = await matchesCore();
    expect(reopened.total).toBe(after.total + 3);
    const calls1 = listCalls();

    // Another window changes the rating rule (library.changed): labels change in bulk, the list is asked for again.
    await core.call('labels.setRule', { rule: { bad: [1], good: [5], exemplar: 'good' } });
    await until(() => expect(client.callsOf('ml.labelIssues').slice(calls1).some((a) => a.limit === WHY_LIMIT)).toBe(true));
    const changed = await truth();
    expect(changed.total).toBeLessThan(reopened.total);
    await until(() => expect(issuesSource(client).state.total).toBe(changed.total));
    await until(() => expect(issuesSource(client).state.byImage.size).toBe(changed.issues.length));
    await matchesCore();
  });

  test('confirm and dismiss act on the selected images, not on the tiles at those positions', async () => {
    const user = userEvent.setup();
    const { store, client } = await renderIssues(500, 3);
    const items = [...store.getState().views.issues.pages.get(0)!];
    // An issue whose image id is also the position of another tile (the old mix-up named that one).
    const k = items.findIndex((it, i) => it.image_id < items.length && it.image_id !== i);
    expect(k).toBeGreaterThanOrEqual(0);
    const clicked = items[k]!;
    await user.click(screen.getByTestId(`tile-${clicked.image_id}`));
    await user.click(screen.getByTestId('issue-confirm'));
    await until(() => expect(client.callsOf('ml.reviewIssues')).toHaveLength(1));
    expect(client.callsOf('ml.reviewIssues')[0]).toEqual({ imageIds: [clicked.image_id], action: 'confirm', shown: [clicked.label] });
    // Two issues ctrl-selected: both dismissed.
    await until(() => expect(store.getState().views.issues.pages.has(0)).toBe(true));
    await until(() => expect(tiles().length).toBeGreaterThan(1));
    expect(screen.queryByTestId(`tile-${clicked.image_id}`)).toBeNull();
    const [a, b] = [...store.getState().views.issues.pages.get(0)!];
    await user.click(screen.getByTestId(`tile-${a!.image_id}`));
    await user.keyboard('{Control>}');
    await user.click(screen.getByTestId(`tile-${b!.image_id}`));
    await user.keyboard('{/Control}');
    expect(screen.getByTestId('selection-count').textContent).toContain('2 selected');
    await user.click(screen.getByTestId('issue-dismiss'));
    await until(() => expect(client.callsOf('ml.reviewIssues')).toHaveLength(2));
    expect(new Set(client.callsOf('ml.reviewIssues')[1]!.imageIds)).toEqual(new Set([a!.image_id, b!.image_id]));
    expect(client.callsOf('ml.reviewIssues')[1]!.action).toBe('dismiss');
  });

  test('after Confirm refreshes the list, the preview and the label keys name the same image', async () => {
    const user = userEvent.setup();
    const { store, client } = await renderIssues(300, 2);
    const [a] = [...store.getState().views.issues.pages.get(0)!];
    await user.click(screen.getByTestId(`tile-${a!.image_id}`));
    await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(a!.image_id)));
    await user.click(screen.getByTestId('issue-confirm'));
    await until(() => expect(store.getState().views.issues.pages.has(0)).toBe(true));
    await until(() => expect(screen.queryByTestId(`tile-${a!.image_id}`)).toBeNull());
    // The preview now shows the image at the focus (A left the list), and the keys label that one.
    const focused = store.getState().itemAt('issues', store.getState().views.issues.focus)!;
    await until(() => expect(screen.getByTestId('preview').dataset.imageId).toBe(String(focused.image_id)));
    await user.keyboard('g');
    await until(() => expect(client.callsOf('labels.set')).toHaveLength(1));
    expect(client.callsOf('labels.set')[0]!.imageIds).toEqual([focused.image_id]);
  });
});
