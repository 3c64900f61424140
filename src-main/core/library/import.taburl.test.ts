/**
 * A tab inside a URL is refused as a bad_url naming the tab, and nothing is fetched for it: URL
 * parsing would drop the tab and fetch another address than the one stored. Both ways a tab gets
 * into a URL: a quoted TSV cell, and a bare URL list's line (no header, so the tab is not a column
 * break). Real library (createCore), real HTTP server on 127.0.0.1 that serves the tab-less address.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app';
import { DEV_IMAGES, devRatings, tempDir } from '../../../test-support/fixtures';
import { parseInput } from './parse';

describe('a tab inside a URL', () => {
  const dir = tempDir('qc-tab-url-');
  const jpg = fs.readFileSync(path.join(DEV_IMAGES, path.basename(devRatings()[0]![1])));
  const seen: string[] = [];
  let server: http.Server;
  let base = '';
  let core: Core;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.url!);
      if (req.url === '/ok.jpg' || req.url === '/fine.jpg') res.end(jpg);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    core = createCore({ dataDir: path.join(dir, 'data') });
  });
  afterAll(async () => {
    await core.close();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const urlsStored = () => (core.context.db.prepare('SELECT url FROM image_urls ORDER BY url').pluck().all() as string[]);

  it('in a quoted TSV cell: a bad_url on its line, nothing fetched or stored for it', async () => {
    const tsv = path.join(dir, 'bundle.tsv');
    fs.writeFileSync(tsv, `eolMediaURL\tidentifier\n"${base}/o\tk.jpg"\t7\n${base}/fine.jpg\t8\n`);
    const parsed = parseInput(fs.readFileSync(tsv), tsv, 'bundle');
    expect(parsed.problems).toEqual([expect.objectContaining({ line: 2, reason: 'bad_url', detail: expect.stringMatching(/^eolMediaURL contains a tab/) })]);
    const s = await core.call('library.import', { source: tsv, retries: 0 });
    expect(s).toMatchObject({ images_new: 1, row_problems: 1, failures_by_reason: { bad_url: 1 } });
    expect(seen).toEqual(['/fine.jpg']);
    expect(urlsStored()).toEqual([`${base}/fine.jpg`]);
  });

  it('in a bare URL list: a bad_url (not a failed download), nothing fetched for it', async () => {
    seen.length = 0;
    const list = path.join(dir, 'urls.txt');
    fs.writeFileSync(list, `${base}/x.jpg\n${base}/o\tk.jpg\n`);
    const parsed = parseInput(fs.readFileSync(list), list, 'bundle');
    expect(parsed.format).toBe('urls');
    expect(parsed.problems).toEqual([expect.objectContaining({ line: 2, reason: 'bad_url', detail: expect.stringMatching(/^the URL contains a tab/) })]);
    const s = await core.call('library.import', { source: list, retries: 0 });
    expect(s).toMatchObject({ images_new: 0, row_problems: 1 });
    expect(s.failures_by_reason).toEqual({ http_404: 1, bad_url: 1 }); // x.jpg's download, the tab's row
    expect(seen).toEqual(['/x.jpg']);
    expect(urlsStored()).toEqual([`${base}/fine.jpg`]);
  });
});
