// @vitest-environment jsdom
// The import result on the real core says what `qc import` says beyond the counts: the labels of the
// images it touched, the rows of an earlier import of the same file that an edited file no longer
// has (removed, their images relabelled), and failed URLs not tried again.
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { devRatings, linesWriter } from '../../../test-support/fixtures';
import { DEV_IMAGES, DEV_URL_PREFIX, tempDir } from '../../../test-support/renderer/files';
import { renderWith, setup, until } from '../../../test-support/renderer/render';
import { LibraryScreen } from './LibraryScreen';

const HEADER = 'obj_with_overall_rating\tobj_url\toverall_rating\tancestry';

describe('Library screen: the import result', () => {
  test('an edited file imported again says which rows were removed and which failed URLs were not tried again', async () => {
    const user = userEvent.setup();
    const write = linesWriter(tempDir());
    const rows = devRatings()
      .slice(0, 4)
      .map(([id, url, rating, anc]) => `${id}\t${url}\t${rating}\t${anc}`);
    const missing = `8800000\t${DEV_URL_PREFIX}not-there-0.jpg\t4\t{}`;
    const file = write('image_ratings.txt', [HEADER, ...rows, missing]);
    const { client, store } = renderWith(<LibraryScreen />, setup({ images: 0, trained: false }));
    await user.click(screen.getByTestId('import-mirror-prefix-0'));
    await user.paste(`${DEV_URL_PREFIX}=${DEV_IMAGES}/`);
    await user.click(screen.getByTestId('import-path'));
    await user.paste(file);
    await user.click(screen.getByTestId('import-start'));
    await until(() => expect(store.getState().lastImport?.images_new).toBe(4), 30_000);
    const first = store.getState().lastImport!;
    const notes = () => screen.getAllByTestId('import-result-note').map((n) => n.textContent!.replace(/^ · /, ''));
    await until(() => expect(notes()).toEqual([`labels of these images: ${first.labels.good} good, ${first.labels.bad} bad, ${first.labels.unlabeled} unlabelled`]));
    expect(first.labels.good + first.labels.bad + first.labels.unlabeled).toBe(4);

    // The curator drops two rows from the file and imports it again.
    write('image_ratings.txt', [HEADER, ...rows.slice(0, 2), missing]);
    await user.click(screen.getByTestId('import-start'));
    await until(() => expect(store.getState().lastImport?.import_id).toBeGreaterThan(first.import_id), 30_000);
    const second = store.getState().lastImport!;
    expect(second.rows_removed).toBe(2);
    expect(second.failed_before).toBe(1);
    await until(() =>
      expect(notes()).toEqual([
        `labels of these images: ${second.labels.good} good, ${second.labels.bad} bad, ${second.labels.unlabeled} unlabelled`,
        '2 rows of an earlier import of this file that it no longer has removed: the labels of their images were derived again without them',
        '1 failed URL had failed in an earlier import and was not tried again: Retry failed tries it',
      ]),
    );
    // The figures are the core's: the two images the dropped rows named are unlabelled now.
    const status = await client.call('library.status', {});
    expect(status.labels.unlabeled).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
