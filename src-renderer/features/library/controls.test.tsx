// @vitest-environment jsdom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { useApp } from '../../stores/app';
import { ruleSavedToast } from '../../stores/library';
import { folderDecidedText } from '../../../src-shared/domain/label';
import { classifyLine } from '../export/ExportScreen';
import { droppedPath, LibraryScreen } from './LibraryScreen';

/** The Library screen while it is the screen shown (leaving it unmounts it, as the app does). */
function OnLibrary() {
  return useApp((s) => s.screen) === 'library' ? <LibraryScreen /> : <div />;
}

describe('controls that were only in the CLI', () => {
  test('a drop from a file manager gives the local path; text gives a path or URL', () => {
    expect(droppedPath({ uriList: 'file:///data/eol/image%20ratings.txt\r\n', text: '' })).toBe('/data/eol/image ratings.txt');
    expect(droppedPath({ uriList: '# comment\nfile:///C:/eol/x.tsv', text: '' })).toBe('C:\\eol\\x.tsv');
    expect(droppedPath({ uriList: '', text: '  https://example.org/list.txt\n' })).toBe('https://example.org/list.txt');
    expect(droppedPath({ uriList: '', text: '' })).toBeNull();
  });

  test('the rating → label rule is shown and saved from the Library screen', async () => {
    const ctx = setup();
    const { client } = renderWith(<LibraryScreen />, ctx);
    const three = (await screen.findByTestId('rule-class-3')) as HTMLSelectElement;
    expect(three.value).toBe('none');
    expect((screen.getByTestId('rule-class-1') as HTMLSelectElement).value).toBe('bad');
    expect((screen.getByTestId('rule-save') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(three, { target: { value: 'bad' } });
    fireEvent.click(screen.getByTestId('rule-save'));
    await until(() => expect(client.callsOf('labels.setRule')).toHaveLength(1));
    expect(client.callsOf('labels.setRule')[0]!.rule).toMatchObject({ bad: [1, 2, 3], good: [4, 5] });
    const saved = await client.call('labels.getRule', {});
    expect(saved.bad).toEqual([1, 2, 3]);
  });

  test('a rule change runs as a job: the job bar shows it while the labels follow, with a Cancel', async () => {
    const ctx = setup();
    const { client, store } = renderWith(<LibraryScreen />, ctx);
    const release = client.hold('labels.setRule');
    fireEvent.change(await screen.findByTestId('rule-class-3'), { target: { value: 'bad' } });
    fireEvent.click(screen.getByTestId('rule-save'));
    const job = await until(() => store.getState().jobs.find((j) => j.label === 'Label rule change')!);
    expect(job.method).toBe('labels.setRule');
    release();
    await until(() => expect(store.getState().jobs).toEqual([]));
    await until(() => expect(store.getState().toasts.map((t) => t.text).some((t) => t.startsWith('Label rule saved: '))).toBe(true));
    expect((await client.call('labels.getRule', {})).bad).toEqual([1, 2, 3]);
  });

  test('a rule change cancelled part way says the rule is saved and the other labels follow at the next open', () => {
    expect(ruleSavedToast({ relabelled: 1, unfinished: true })).toEqual({ kind: 'info', text: 'Label rule saved; cancelled after 1 import label changed: the other import labels follow it the next time the library is opened.' });
    expect(ruleSavedToast({ relabelled: 3 })).toEqual({ kind: 'success', text: 'Label rule saved: 3 import labels changed (curator labels kept). Retrain to use them.' });
    // Labels an imported training folder decides did not follow the rule: said, as info (concepts audit 4).
    expect(ruleSavedToast({ relabelled: 0, folder_decided: 2 })).toEqual({ kind: 'info', text: `Label rule saved: 0 import labels changed (curator labels kept). Retrain to use them. ${folderDecidedText(2)}` });
  });

  test('an unsaved rule edit survives leaving the Library screen', async () => {
    const { store } = renderWith(<OnLibrary />);
    store.getState().setScreen('library');
    fireEvent.change(await screen.findByTestId('rule-class-3'), { target: { value: 'bad' } });
    store.getState().setScreen('train');
    await until(() => expect(screen.queryByTestId('rule-card')).toBeNull());
    store.getState().setScreen('library');
    expect(((await screen.findByTestId('rule-class-3')) as HTMLSelectElement).value).toBe('bad');
    expect((screen.getByTestId('rule-save') as HTMLButtonElement).disabled).toBe(false);
  });

  test('the rule card follows a change made elsewhere, and a save begun before it is refused, not written over it', async () => {
    const { client, store } = renderWith(<LibraryScreen />);
    const off = store.getState().connect();
    try {
      const three = (await screen.findByTestId('rule-class-3')) as HTMLSelectElement;
      // Another window (or `qc rule`) makes class 3 bad: the card shows it.
      await client.call('labels.setRule', { rule: { bad: [1, 2, 3], good: [4, 5], exemplar: 'good' } });
      await until(() => expect(three.value).toBe('bad'));
      expect((screen.getByTestId('rule-save') as HTMLButtonElement).disabled).toBe(true);
      // This window edits the exemplars; meanwhile the other one makes class 3 unlabelled again.
      fireEvent.change(screen.getByTestId('rule-exemplar'), { target: { value: 'bad' } });
      await client.call('labels.setRule', { rule: { bad: [1, 2], good: [4, 5], exemplar: 'good' } });
      // The card keeps the edit and says the rule changed since it began.
      await until(() => expect(screen.getByTestId('rule-stale').textContent).toMatch(/changed elsewhere/));
      fireEvent.click(screen.getByTestId('rule-save'));
      await until(() => expect(store.getState().toasts.some((t) => t.kind === 'error' && /changed elsewhere/.test(t.text))).toBe(true));
      expect(client.callsOf('labels.setRule').at(-1)).toEqual({ rule: { bad: [1, 2, 3], good: [4, 5], exemplar: 'bad' }, expected: { bad: [1, 2, 3], good: [4, 5], exemplar: 'good' } });
      // Nothing was written over the other window's rule, and the card shows the rule in force.
      expect(await client.call('labels.getRule', {})).toEqual({ bad: [1, 2], good: [4, 5], exemplar: 'good' });
      await until(() => expect((screen.getByTestId('rule-exemplar') as HTMLSelectElement).value).toBe('good'));
      expect(three.value).toBe('none');
      expect(screen.queryByTestId('rule-stale')).toBeNull();
    } finally {
      off();
    }
  });

  test('a classify summary names predicted images, new scores and failures', () => {
    const line = classifyLine({ bundle_id: 2, rows: 486, images: 480, failed: 6, row_problems: 1, scored: 0, predicted: 480 } as Parameters<typeof classifyLine>[0]);
    expect(line).toContain('480 with a p(bad) (all scored before)');
    expect(line).toContain('6 URLs could not be downloaded');
    expect(line).toContain('1 rows could not be read');
    expect(line).not.toContain('0 scored');
  });
});
