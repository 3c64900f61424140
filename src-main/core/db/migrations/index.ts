/**
 * Numbered migrations, applied in order at open and recorded in `schema_migrations`.
 * Add a new file `NNN_name.ts` exporting `sql` and list it here; never edit a released one.
 */
import { sql as m001 } from './001_library';
import { sql as m002 } from './002_ml';
import { sql as m003 } from './003_label_review';
import { sql as m004 } from './004_import_owner';
import { sql as m005 } from './005_url_predictions';
import { sql as m006 } from './006_run_archive';
import { sql as m009 } from './009_scale';
import { sql as m010 } from './010_taxon_index';
import { sql as m011 } from './011_library_counts';
import { sql as m012 } from './012_issue_estimate';
import { sql as m013 } from './013_import_start';
import { sql as m014 } from './014_run_owner';
import { sql as m015 } from './015_alpha_features';
import { sql as m016 } from './016_failure_public_only';
import { sql as m017 } from './017_run_curator_threshold';
import { sql as m018 } from './018_scale_indexes';
import { sql as m019 } from './019_gallery_counts';
import { sql as m020 } from './020_shard_shown_as';
import { sql as m021 } from './021_source_row_shown_line';
import { sql as m022 } from './022_failure_batch_indexes';
import { sql as m023 } from './023_url_prediction_ids';
import { sql as m024 } from './024_rating_identity_index';
import { sql as m025 } from './025_error_upper';
import { sql as m026 } from './026_source_row_image';
import { sql as m027 } from './027_sketch_cache';
import { sql as m028 } from './028_recount_predictions';
import { sql as m029 } from './029_unfinished_tag_merges';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'library', sql: m001 },
  { version: 2, name: 'ml', sql: m002 },
  { version: 3, name: 'label_review', sql: m003 },
  { version: 4, name: 'import_owner', sql: m004 },
  { version: 5, name: 'url_predictions', sql: m005 },
  { version: 6, name: 'run_archive', sql: m006 },
  { version: 9, name: 'scale', sql: m009 },
  { version: 10, name: 'taxon_index', sql: m010 },
  { version: 11, name: 'library_counts', sql: m011 },
  { version: 12, name: 'issue_estimate', sql: m012 },
  { version: 13, name: 'import_start', sql: m013 },
  { version: 14, name: 'run_owner', sql: m014 },
  { version: 15, name: 'alpha_features', sql: m015 },
  { version: 16, name: 'failure_public_only', sql: m016 },
  { version: 17, name: 'run_curator_threshold', sql: m017 },
  { version: 18, name: 'scale_indexes', sql: m018 },
  { version: 19, name: 'gallery_counts', sql: m019 },
  { version: 20, name: 'shard_shown_as', sql: m020 },
  { version: 21, name: 'source_row_shown_line', sql: m021 },
  { version: 22, name: 'failure_batch_indexes', sql: m022 },
  { version: 23, name: 'url_prediction_ids', sql: m023 },
  { version: 24, name: 'rating_identity_index', sql: m024 },
  { version: 25, name: 'error_upper', sql: m025 },
  { version: 26, name: 'source_row_image', sql: m026 },
  { version: 27, name: 'sketch_cache', sql: m027 },
  { version: 28, name: 'recount_predictions', sql: m028 },
  { version: 29, name: 'unfinished_tag_merges', sql: m029 },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
