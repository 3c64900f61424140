// @vitest-environment jsdom
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import type { JobProgress } from '../../src-shared/contract/events';
import { joinPath, tempDir } from '../../test-support/renderer/files';
import { renderWith, setup, until } from '../../test-support/renderer/render';
import { ExportScreen } from '../features/export/ExportScreen';
import { useApp } from '../stores/app';
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
    // The bar, its Cancel and the live region are inside a landmark of their own, named Jobs.
    const landmark = screen.getByRole('region', { name: 'Jobs' });
    expect(landmark.contains(live)).toBe(true);
    expect(landmark.contains(screen.getByRole('button', { name: 'Cancel' }))).toBe(true);
  });

  test('a bar without a label (the Train screen) is named after its job; an unknown total has no value now', () => {
    renderWith(<ProgressBar progress={{ job: 'train', phase: 'embed', done: 0, total: 0 }} />);
    const bar = screen.getByRole('progressbar', { name: 'train progress' });
    expect(bar.getAttribute('aria-valuenow')).toBeNull();
    expect(bar.getAttribute('aria-valuetext')).toBe('embed');
  });
});

/** The shell's layout: the shown screen in <main> (Export, or another screen's heading), the job bar after it. */
function Shell() {
  const onExport = useApp((s) => s.screen) === 'export';
  return (
    <>
      <main>
        {onExport ? (
          <ExportScreen />
        ) : (
          <section>
            <h2>Library</h2>
          </section>
        )}
      </main>
      <JobBar />
    </>
  );
}

describe('the job bar\'s Cancel and keyboard focus', () => {
  const tmp = tempDir('qc-jobbar-');

  /** Export tags from the Export screen (held before the core), then press the job bar's Cancel. */
  async function startAndCancel(leaveScreen: boolean) {
    const user = userEvent.setup();
    const ctx = setup();
    const release = ctx.client.hold('export.tags');
    renderWith(<Shell />, ctx);
    act(() => ctx.store.getState().setScreen('export'));
    const start = (await screen.findByTestId('export-start')) as HTMLButtonElement;
    await until(() => expect(start.disabled).toBe(false));
    act(() => ctx.store.getState().setExportForm({ outDir: joinPath(tmp, leaveScreen ? 'left' : 'stayed') }));
    await user.click(start);
    const job = await until(() => ctx.store.getState().jobs.find((j) => j.method === 'export.tags')!);
    if (leaveScreen) act(() => ctx.store.getState().setScreen('library'));
    await user.click(screen.getByTestId(`job-cancel-${job.id}`));
    release();
    await until(() => expect(ctx.store.getState().exportJobId).toBeNull());
    await until(() => expect(screen.getByTestId('jobbar').dataset.count).toBe('0'));
    return ctx;
  }

  test('after Cancel, focus returns to the control that started the job once it is enabled again', async () => {
    const { store } = await startAndCancel(false);
    await until(() => expect(document.activeElement).toBe(screen.getByTestId('export-start')));
    expect(document.activeElement).not.toBe(document.body);
    expect(store.getState().toasts.at(-1)?.text).toBe('Export: cancelled');
  }, 30_000);

  test('after Cancel, when the control that started the job is gone, focus goes to the screen\'s heading', async () => {
    await startAndCancel(true);
    await until(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Library' })));
    expect(document.activeElement).not.toBe(document.body);
  }, 30_000);
});
