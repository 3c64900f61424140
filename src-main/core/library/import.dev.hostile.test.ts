/**
 * Issue 9's acceptance case: the dev library's 567 rated images plus 30 hostile rows. One run
 * imports all 567 and records exactly 30 failures, each with a reason and its file:line; a re-run
 * (and a --retry-failed run) does the same, and no import is left running.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_DIR, DEV_IMAGES, DEV_URL_PREFIX, tempDir } from '../../../test-support/fixtures';

const H = 'https://hostile.example/m/';

describe('567 rated images and 30 hostile rows', () => {
  let dir: string;
  let core: Core;
  let list: string;
  let lines: number;
  const mirrors = () => [
    { prefix: DEV_URL_PREFIX, dir: DEV_IMAGES },
    { prefix: H, dir: path.join(dir, 'hostile') },
  ];

  beforeAll(() => {
    dir = tempDir();
    const m = path.join(dir, 'hostile');
    fs.mkdirSync(path.join(m, 'folder.jpg'), { recursive: true });
    const photo = fs.readFileSync(path.join(DEV_IMAGES, '9000001.jpg'));
    fs.writeFileSync(path.join(m, 'big.jpg'), photo);
    fs.truncateSync(path.join(m, 'big.jpg'), 2 * 1024 ** 3);
    fs.writeFileSync(path.join(m, 'page.jpg'), '<!doctype html><html><body>Error</body></html>');
    fs.writeFileSync(path.join(m, 'empty.jpg'), '');
    fs.writeFileSync(path.join(m, 'text.jpg'), 'id,name\n1,owl\n');
    fs.writeFileSync(path.join(m, 'half.jpg'), photo.subarray(0, photo.length >> 1));
    fs.symlinkSync('/etc/passwd', path.join(m, 'link.jpg'));
    execFileSync('mkfifo', [path.join(m, 'fifo.jpg')]);

    const hostile: string[] = [
      `901\t${H}bad%ZZ.jpg\t2`,
      `902\t${H}%E0%A4%A.jpg\t2`,
      `903\t${H}folder.jpg\t2`,
      `904\t${H}fifo.jpg\t2`,
      `905\t${H}big.jpg\t2`,
      `906\t${H}link.jpg\t2`,
      `907\t${H}..%2F..%2Fetc%2Fpasswd\t2`,
      `908\t${H}page.jpg\t2`,
      `909\t${H}empty.jpg\t2`,
      `910\t${H}text.jpg\t2`,
      `911\t${H}half.jpg\t2`,
      `912\tfile://host/x.jpg\t2`,
      `913\tfile:///etc/passwd\t2`,
      `914\tfile:///dev/zero\t2`,
      `915\tfile:///proc/self/environ\t2`,
      `916\t${DEV_URL_PREFIX}9000002.jpg\t0x3`,
      `917\t${DEV_URL_PREFIX}9000003.jpg\tInfinity`,
      `918\t${DEV_URL_PREFIX}9000004.jpg\t`,
      `919\t${DEV_URL_PREFIX}9000005.jpg\t6`,
      `920\t${DEV_URL_PREFIX}9000006.jpg\t-1`,
      `921\t${DEV_URL_PREFIX}9000007.jpg\t1e0`,
      `922\tjavascript:alert(1)\t2`,
      `923\tdata:image/png;base64,AAAA\t2`,
      `924\tftp://example.org/x.jpg\t2`,
      `925\t\t2`,
      `926\t${DEV_URL_PREFIX}9000008.jpg\t2\t{}\textra\tcolumns`,
      `927\t${DEV_URL_PREFIX}9000009.jpg\x00\x01\t2`,
      `928\t${H}missing-and-offline.jpg\t2`,
      `929\t${H}\t2`,
      `930\t${DEV_URL_PREFIX}9000010.jpg\t0b11`,
    ];
    expect(hostile).toHaveLength(30);
    const dev = fs.readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'latin1').trimEnd().split('\n');
    // Hostile rows spread through the file, not only at its end.
    const out = [dev[0]!];
    dev.slice(1).forEach((l, i) => {
      out.push(l);
      if (i % 19 === 0 && hostile.length) out.push(hostile.shift()!);
    });
    out.push(...hostile);
    lines = out.length;
    list = path.join(dir, 'image_ratings.txt');
    fs.writeFileSync(list, `${out.join('\n')}\n`, 'latin1');
    core = createCore({ dataDir: path.join(dir, 'data') });
  });
  afterAll(async () => {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = async (retryFailed: boolean) => {
    const s = await core.call('library.import', { source: list, mirrors: mirrors(), retryFailed, timeoutMs: 1500, retries: 0 });
    expect(s.rows).toBe(567 + 30);
    expect(s.images_new + s.images_existing).toBe(567);
    expect(s.failed + s.row_problems).toBe(30);
    // Every problem is counted once by reason, and the input's own ones apart from the failed URLs.
    const sum = (by: Partial<Record<string, number>>) => Object.values(by).reduce((a, b) => a! + b!, 0);
    expect(sum(s.failures_by_reason)).toBe(30);
    expect(sum(s.row_problems_by_reason)).toBe(s.row_problems);
    for (const [reason, n] of Object.entries(s.row_problems_by_reason)) expect(n).toBeLessThanOrEqual(s.failures_by_reason[reason as keyof typeof s.failures_by_reason]!);
    expect(s.labels).toEqual({ good: 243, bad: 243, unlabeled: 81 });
    const { total, failures } = await core.call('library.failures', {});
    expect(total).toBe(30);
    for (const f of failures) {
      expect(f.file, JSON.stringify(f)).toBe(list);
      expect(f.line, JSON.stringify(f)).toBeGreaterThan(1);
      expect(f.line!).toBeLessThanOrEqual(lines);
      expect(f.reason).toBeTruthy();
      expect(f.detail.length).toBeGreaterThan(3);
    }
    expect(new Set(failures.map((f) => f.line)).size).toBe(30);
    expect(core.context.db.prepare("SELECT COUNT(*) AS n FROM imports WHERE status <> 'done'").get()).toEqual({ n: 0 });
    return { s, failures };
  };

  it('imports all 567 and records the 30 with reasons, in one run', async () => {
    const { s, failures } = await run(false);
    expect(s.images_new).toBe(567);
    const reasons = Object.fromEntries(Object.entries(s.failures_by_reason).sort());
    expect(reasons).toEqual({
      bad_rating: 7,
      bad_row: 2,
      bad_url: 8,
      empty: 1,
      html: 1,
      local_refused: 4,
      missing_url: 1,
      not_file: 2,
      not_image: 1,
      // Under the mirror's prefix, not in its folder, and the URL itself failed: its own reason, not the network's.
      not_in_mirror: 1,
      too_large: 1,
      truncated: 1,
    });
    expect(JSON.stringify(failures)).not.toMatch(/root:x:0/);
  }, 180_000);

  it('and again on a re-run and with --retry-failed', async () => {
    const again = await run(false);
    expect(again.s.images_existing).toBe(567);
    expect(again.s.network_requests).toBe(0);
    const retried = await run(true);
    expect(retried.s.images_existing).toBe(567);
  }, 180_000);
});
