/**
 * A row kept with a problem of its own (an ancestry that is not a JSON object: the row is stored
 * without it) is no row that "could not be read": an import counts it as `rows_kept_with_problems`,
 * not in `row_problems`, and a classify's `row_problems` (said as "could not be read … and have no
 * tag row") counts only the rows its tag files lack (audit L1). ml.classify on a real seeded
 * library, a real bundle file, and URLs that fail on a real HTTP server on 127.0.0.1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/fixtures';
import { seedLibrary } from '../../../test-support/seedLibrary';
import { useGoneServer } from '../../../test-support/goneServer';

describe('rows kept with a problem are not rows that could not be read', () => {
  const dir = tempDir('qc-kept-problems-');
  const lib = seedLibrary({ images: 4, runs: 1 });
  const gone = useGoneServer();
  afterAll(async () => {
    await lib.core.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(lib.dataDir, { recursive: true, force: true });
  });

  const bundle = () => {
    const file = path.join(dir, 'badanc.tsv');
    fs.writeFileSync(
      file,
      [
        'eolMediaURL\tidentifier\tancestry',
        `${gone.base()}/a.jpg\ta\t=1+1`, // kept, without ancestry
        `${gone.base()}/b.jpg\tb\t@x`, // kept, without ancestry
        `${gone.base()}/c.jpg\tc\t{}`,
        'not a url\td\t{}', // not read: no tag row
      ].join('\n') + '\n',
    );
    return file;
  };

  it('classify counts only the row with no tag row; the import counts the kept ones apart', async () => {
    const out = path.join(dir, 'out');
    const r = await lib.core.call('ml.classify', { source: bundle(), outDir: out, retries: 0 });
    const tagRows = fs.readFileSync(path.join(out, 'badanc_finaltags.tsv'), 'utf8').split('\n').slice(1, -1);
    expect(tagRows.map((l) => l.split('\t')[1])).toEqual(['a', 'b', 'c']);
    expect(r.rows).toBe(3);
    expect(r.row_problems).toBe(1);

    const s = await lib.core.call('library.import', { source: bundle(), kind: 'bundle', retries: 0 });
    expect(s.row_problems).toBe(1);
    expect(s.rows_kept_with_problems).toBe(2);
    expect(s.row_problems_by_reason).toEqual({ bad_url: 1, bad_ancestry: 2 });
    const rowFailures = (await lib.core.call('library.failures', { limit: 100 })).failures.filter((f) => (f.file ?? '').endsWith('badanc.tsv') && !f.reason.startsWith('http_'));
    expect(rowFailures.map((f) => [f.line, f.reason]).sort()).toEqual([
      [2, 'bad_ancestry'],
      [3, 'bad_ancestry'],
      [5, 'bad_url'],
    ]);
  });
});
