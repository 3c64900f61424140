// @vitest-environment jsdom
// The Library screen's line under the failures: the library's imports and bundles counted in words
// (one import, not "1 imports"), its schema and its folder, from the real core's status.
import { screen } from '@testing-library/react';
import { expect, test } from 'vitest';
import { renderWith, until } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

test('the status line counts one import and no bundles in words, with the schema and the folder', async () => {
  const { client } = renderWith(<LibraryScreen />);
  const status = await client.call('library.status', {});
  expect([status.imports, status.bundles]).toEqual([1, 0]); // the seeded library's one import
  await until(() => expect(screen.getByTestId('status-sources').textContent).toBe(`1 import · 0 bundles · schema ${status.schema_version} · ${status.data_dir}`));
});
