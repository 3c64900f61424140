// @vitest-environment jsdom
import { act, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { JobProgress } from '../../src-shared/contract/events';
import { renderWith, setup, until } from '../../test-support/renderer/render';
import type { Job } from '../stores/jobs';
import { JobBar } from './JobBar';
import { ProgressBar } from './ProgressBar';

const importJob = (progress: JobProgress | null, over: Partial<Job> = {}): Job => ({ id: 1, method: 'library.import', label: 'Import', progress, started: Date.now(), cancelling: false, ...over });

describe('JobBar and ProgressBar for assistive technology', () => {
  test('a running job is a progressbar named after it, with its value while it runs', async () => {
    // A real call on the real core, slowed so it is seen running.
    const ctx = setup({ latencyMs: 300 });
    renderWith(<JobBar />, ctx);
    let done = false;
    act(() => void ctx.store.getState().startJob('library.status', {}, { label: 'Status' }).promise.then(() => (done = true)));
    const bar = screen.getByRole('progressbar', { name: 'Status' });
    expect(bar.getAttribute('aria-valuetext')).toBe('starting…');
    expect(bar.getAttribute('aria-valuenow')).toBeNull(); // indeterminate until a total is known
    await until(() => expect(done).toBe(true));
    await until(() => expect(screen.queryByRole('progressbar')).toBeNull());
  });

  test('min, max, now and a value text; the phase is announced in a polite live region on change, not every tick', () => {
    const { store } = renderWith(<JobBar />);
    const live = screen.getByTestId('jobbar-live');
    expect(live.getAttribute('aria-live')).toBe('polite');
    expect(live.textContent).toBe('');

    act(() => store.setState({ jobs: [importJob({ job: 'import', phase: 'rows', done: 153, total: 567, failed: 2 })] }));
    const bar = screen.getByRole('progressbar', { name: 'Import' });
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('567');
    expect(bar.getAttribute('aria-valuenow')).toBe('153');
    expect(bar.getAttribute('aria-valuetext')).toBe('rows 153 of 567, 2 failed');
    expect(live.textContent).toBe('Import: rows. ');

    // Ticks within a phase leave the live region alone.
    const changes: MutationRecord[] = [];
    const observer = new MutationObserver((m) => changes.push(...m));
    observer.observe(live, { subtree: true, childList: true, characterData: true });
    for (const d of [200, 300, 400]) act(() => store.setState({ jobs: [importJob({ job: 'import', phase: 'rows', done: d, total: 567 })] }));
    expect(screen.getByRole('progressbar', { name: 'Import' }).getAttribute('aria-valuenow')).toBe('400');
    expect(observer.takeRecords().length + changes.length).toBe(0);

    // A new phase is.
    act(() => store.setState({ jobs: [importJob({ job: 'import', phase: 'download', done: 0, total: 400 })] }));
    expect(observer.takeRecords().length + changes.length).toBeGreaterThan(0);
    expect(live.textContent).toBe('Import: download. ');
    observer.disconnect();

    // The region is the same element with jobs and without (one added with its text is often not read).
    act(() => store.setState({ jobs: [] }));
    expect(screen.getByTestId('jobbar-live')).toBe(live);
    expect(live.textContent).toBe('');
    act(() => store.setState({ jobs: [importJob(null, { id: 2, label: 'Training', method: 'ml.train' })] }));
    expect(screen.getByTestId('jobbar-live')).toBe(live);
    expect(live.textContent).toBe('Training: starting. ');
  });

  test('a bar without a label (the Train screen) is named after its job; an unknown total has no value now', () => {
    renderWith(<ProgressBar progress={{ job: 'train', phase: 'embed', done: 0, total: 0 }} />);
    const bar = screen.getByRole('progressbar', { name: 'train progress' });
    expect(bar.getAttribute('aria-valuenow')).toBeNull();
    expect(bar.getAttribute('aria-valuetext')).toBe('embed');
  });
});
