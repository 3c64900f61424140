/**
 * A folder's files are read in one order whatever the process's locale (LANG, LC_ALL), so two
 * machines give one folder's images the same ids: scanned here under a Swedish locale, where
 * Intl's default collation puts "ä" after "z", and under C.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../../test-support/fixtures';

describe('scanFolder order', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is the same under any locale', () => {
    const names = ['zebra.jpg', 'äpple.jpg', 'apple.jpg', 'Ö.jpg', 'o.jpg', 'B.jpg', 'b.jpg'];
    for (const n of names) fs.writeFileSync(path.join(dir, n), 'x');
    const script = `import { scanFolder } from ${JSON.stringify(path.join(REPO_ROOT, 'src-main/core/library/folder.ts'))};
      console.log(JSON.stringify(scanFolder(${JSON.stringify(dir)}).rows.map((r) => r.file.split('/').pop())));`;
    const order = (locale: string) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, LANG: locale, LC_ALL: locale } });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim()) as string[];
    };
    const swedish = order('sv_SE.UTF-8');
    expect(swedish).toHaveLength(names.length);
    expect(order('C')).toEqual(swedish);
    // English collation: accents beside their letters, not after z.
    expect(swedish.indexOf('äpple.jpg')).toBeLessThan(swedish.indexOf('zebra.jpg'));
  }, 60_000);
});
