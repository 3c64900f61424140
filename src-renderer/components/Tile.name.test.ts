/** What a screen reader hears for a tile's label: the words the tooltip and the preview use. */
import { describe, expect, test } from 'vitest';
import type { GalleryItem } from '../../src-shared/domain/library';
import { tileName } from './Tile';

const base = { image_id: 7, label: null, origin: 'import', p_bad: null, issue_rank: null } as unknown as GalleryItem;

describe('tileName', () => {
  test('a label a curator removed is said as such, not as an image never labelled', () => {
    expect(tileName({ ...base, label: null, origin: 'curator' } as GalleryItem, null)).toContain('label removed by a curator');
    expect(tileName({ ...base, label: null, origin: 'import' } as GalleryItem, null)).toContain('not labelled');
    expect(tileName({ ...base, label: 'bad', origin: 'curator' } as GalleryItem, null)).toContain('labelled bad by a curator');
    expect(tileName({ ...base, label: 'good', origin: 'import' } as GalleryItem, null)).toContain('labelled good');
  });
});
