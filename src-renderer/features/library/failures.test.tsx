// @vitest-environment jsdom
// The Failures card on the real core: URLs that could not be stored (Retry failed tries them again)
// and rows of an input file that could not be read (a retry does nothing for them) are told apart,
// and the "failed URLs" figure agrees with the list.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { devRatings, linesWriter } from '../../../test-support/fixtures';
import { DEV_IMAGES, DEV_URL_PREFIX, ratingsFile, tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

/** A ratings file of `n` dev photos, then one row whose rating is not a number. */
function withBadRow(n: number): string {
  const rows = devRatings()
    .slice(0, n)
    .map(([id, url, rating, anc]) => `${id}\t${url}\t${rating}\t${anc}`);
  return linesWriter(tempDir())('image_ratings.txt', ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...rows, `9100001\t${DEV_URL_PREFIX}9100001.jpg\tabc\t{}`]);
}

describe('Library screen: failures', () => {
  test('rows that could not be read are not offered to Retry failed; failed URLs are, and each is counted', async () => {
    const user = userEvent.setup();
    const { client, store } = renderWith(<LibraryScreen />, setup({ images: 0, trained: false }));
    await user.click(screen.getByTestId('import-mirror-prefix-0'));
    await user.paste(`${DEV_URL_PREFIX}=${DEV_IMAGES}/`);
    // 2 photos and a row whose rating is not a number.
    const file = withBadRow(2);
    await user.click(screen.getByTestId('import-path'));
    await user.paste(file);
    await user.click(screen.getByTestId('import-start'));
    await until(() => expect(store.getState().lastImport?.row_problems).toBe(1), 20_000);
    await until(() => expect(screen.getByTestId('failures-table').dataset.total).toBe('1'));
    await until(() => expect(screen.getByTestId('status-failed').dataset.value).toBe('0'));
    const retry = screen.getByTestId('retry-failed') as HTMLButtonElement;
    // The only failure is a row of the file: nothing to download again.
    expect(retry.disabled).toBe(true);
    expect(retry.title).toMatch(/No failed URL to try again/);
    const kinds = screen.getByTestId('failures-kinds');
    expect([kinds.dataset.urls, kinds.dataset.rows]).toEqual(['0', '1']);
    expect(kinds.textContent).toMatch(/0 URLs that could not be stored .* 1 problem in the input itself/);
    expect(screen.getByTestId('status-failed').textContent).toMatch(/failed URLs/);

    // A URL the mirror does not have (and no network here): a failed URL, which Retry failed tries again.
    await user.clear(screen.getByTestId('import-path'));
    await user.click(screen.getByTestId('import-path'));
    await user.paste(ratingsFile(1, 1));
    await user.click(screen.getByTestId('import-start'));
    await until(() => expect(screen.getByTestId('status-failed').dataset.value).toBe('1'), 30_000);
    const total = (await client.call('library.failures', {})).total;
    await until(() => expect(screen.getByTestId('failures-table').dataset.total).toBe(String(total)));
    await until(() => expect([screen.getByTestId('failures-kinds').dataset.urls, screen.getByTestId('failures-kinds').dataset.rows]).toEqual(['1', String(total - 1)]));
    expect((screen.getByTestId('retry-failed') as HTMLButtonElement).disabled).toBe(false);
    await user.click(screen.getByTestId('retry-failed'));
    await until(() => expect(client.callsOf('library.retryFailed')).toHaveLength(1));
    // The retry's result: it read no input file, so it tells no kind, rows or encoding.
    await until(() => expect(store.getState().lastImport?.kind).toBe('retry'), 30_000);
    const retried = store.getState().lastImport!;
    const text = await until(() => {
      const t = screen.getByTestId('import-result').textContent!;
      expect(t).toMatch(/^Retry failed/);
      return t;
    });
    expect(text).toContain(`· ${retried.urls} URL${retried.urls === 1 ? '' : 's'} · ${retried.images_new} new · ${retried.images_existing} already stored · ${retried.failed} failed ·`);
    expect(text).not.toMatch(/\b0 rows|encoding|retry ·|1 URLs|1 requests/);
  }, 60_000);
});
