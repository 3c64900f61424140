// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, expect, test } from 'vitest';
import type { MirrorRow } from '../stores/types';
import { MirrorRows } from './MirrorRows';

afterEach(cleanup);

test('each remove button is named after its mirror, and removes that one', async () => {
  const rows: MirrorRow[] = [
    { prefix: 'https://content.eol.org/data/media/', dir: '/data/eol' },
    { prefix: '', dir: '' },
  ];
  let changed: MirrorRow[] | null = null;
  render(<MirrorRows rows={rows} onChange={(r) => (changed = r)} testId="import-mirror" />);
  expect(screen.queryByRole('button', { name: '×' })).toBeNull();
  expect(screen.getByRole('button', { name: 'Remove mirror 1 (https://content.eol.org/data/media/)' })).toBeTruthy();
  await userEvent.click(screen.getByRole('button', { name: /^remove mirror 2$/i }));
  expect(changed).toEqual([rows[0]]);
});
