/** An import's summary for tests of what is said about it (toasts, the Library screen): a ratings file with nothing stored, changed by `over`. */
import type { ImportSummary } from '../src-shared/domain/library';

export const importSummary = (over: Partial<ImportSummary> = {}): ImportSummary => ({
  import_id: 1,
  kind: 'ratings',
  source: '/x/image_ratings.txt',
  encoding: 'utf-8',
  rows: 10,
  urls: 10,
  images_new: 0,
  images_existing: 0,
  failed: 0,
  failed_before: 0,
  failures_by_reason: {},
  row_problems_by_reason: {},
  row_problems: 0,
  labels: { good: 0, bad: 0, unlabeled: 0 },
  bundle_id: null,
  network_requests: 0,
  seconds: 1,
  cancelled: false,
  ...over,
});
