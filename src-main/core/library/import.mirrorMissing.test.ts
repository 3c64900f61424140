/**
 * A URL under a mirror's prefix whose file the mirror folder lacks is fetched from the network
 * instead (README: a mirror file that is not there falls through). When that fails too, the
 * failure says both: the file the mirror lacked and the network's words, not only
 * "ENOTFOUND content.eol.org (after 4 attempts)", which read as a network problem (bundle audit 5).
 * A real import, a real mirror folder, and a real HTTP server on 127.0.0.1 that answers 404.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_IMAGES, tempDir } from '../../../test-support/fixtures';
import { seedLibrary } from '../../../test-support/seedLibrary';
import { useGoneServer } from '../../../test-support/goneServer';
import { fetchFailure } from '../../../test-support/fetchFailure';
import { fetchBytes } from './fetch';
import { importCountNotes, mirrorMissText, MIRROR_MISSES_TOLD } from '../../../src-shared/domain/library';
import type { JobProgress } from '../../../src-shared/contract/events';

describe('a picture its mirror folder lacks', () => {
  const dir = tempDir('qc-mirror-missing-');
  const lib = seedLibrary({ images: 2 });
  const gone = useGoneServer();
  afterAll(async () => {
    await lib.core.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(lib.dataDir, { recursive: true, force: true });
  });

  it('fails naming the file the mirror lacked and what the URL itself answered; a file it has is read from it', async () => {
    const mirror = path.join(dir, 'mirror');
    fs.mkdirSync(mirror);
    const photo = fs.readdirSync(DEV_IMAGES).find((f) => f.endsWith('.jpg'))!;
    fs.copyFileSync(path.join(DEV_IMAGES, photo), path.join(mirror, 'here.jpg'));
    const list = path.join(dir, 'list.txt');
    fs.writeFileSync(list, ['eolMediaURL', `${gone.base()}/m/here.jpg`, `${gone.base()}/m/missing.jpg`].join('\n') + '\n');
    const r = await lib.core.call('library.import', { source: list, kind: 'bundle', retries: 0, mirrors: [{ prefix: `${gone.base()}/m/`, dir: mirror }] });
    expect(r.images_new).toBe(1);
    expect(r.failed).toBe(1);
    const { failures } = await lib.core.call('library.failures', {});
    const missing = failures.find((f) => f.url?.endsWith('/missing.jpg'))!;
    expect(missing.detail).toMatch(new RegExp(`^not in the mirror folder \\(${path.join(mirror, 'missing.jpg').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\), and the URL itself: .*404`));
    // Filed under a reason of its own, not the network's (curator's-day audit F2), and counted.
    expect(missing.reason).toBe('not_in_mirror');
    expect(r.failures_by_reason).toEqual({ not_in_mirror: 1 });
    expect(r.mirror).toEqual({ read: 1, missed: 1, example: { url: `${gone.base()}/m/missing.jpg`, file: path.join(mirror, 'missing.jpg') } });
    expect(importCountNotes(r)).toContain(mirrorMissText(r.mirror));
    expect(mirrorMissText(r.mirror)).toMatch(/^1 of the 2 pictures a mirror's prefix named was not in its folder/);
  });

  it('a mirror that holds none of the files its prefix names is said while the import runs, and in its summary (curator\'s-day audit F2)', async () => {
    const empty = path.join(dir, 'wrong-prefix');
    fs.mkdirSync(empty);
    const n = MIRROR_MISSES_TOLD + 5;
    const list = path.join(dir, 'list-wrong.txt');
    fs.writeFileSync(list, ['eolMediaURL', ...Array.from({ length: n }, (_, i) => `${gone.base()}/w/${i}.jpg`)].join('\n') + '\n');
    const heard: JobProgress[] = [];
    const r = await lib.core.call('library.import', { source: list, kind: 'bundle', retries: 0, concurrency: 1, mirrors: [{ prefix: `${gone.base()}/w/`, dir: empty }] }, { onProgress: (p) => heard.push(p) });
    expect(r.failed).toBe(n);
    expect(r.failures_by_reason).toEqual({ not_in_mirror: n });
    expect(r.mirror).toMatchObject({ read: 0, missed: n });
    const note = mirrorMissText(r.mirror)!;
    expect(note).toMatch(new RegExp(`^the mirror folder held none of the ${n} pictures its prefix named \\(.*/w/0\\.jpg was looked for as .*wrong-prefix/0\\.jpg\\): check the mirror's prefix and folder`));
    expect(importCountNotes(r)).toContain(note);
    // Told on the download's progress once MIRROR_MISSES_TOLD had missed, before the import ended.
    const warned = heard.filter((p) => p.warning);
    expect(warned.length).toBeGreaterThan(0);
    expect(warned[0]!.done).toBeLessThan(n);
    expect(warned[0]!.warning).toMatch(new RegExp(`^the mirror folder held none of the (${MIRROR_MISSES_TOLD}|${MIRROR_MISSES_TOLD + 1}) pictures`));
  });

  it('names every mirror folder that lacked it, a very long path by its end (wave audit 6)', async () => {
    const short = path.join(dir, 'short');
    const long = path.join(dir, 'l'.repeat(90), 'm'.repeat(90), 'mirror');
    fs.mkdirSync(short);
    fs.mkdirSync(long, { recursive: true });
    const list = path.join(dir, 'list2.txt');
    fs.writeFileSync(list, ['eolMediaURL', `${gone.base()}/two/lost.jpg`].join('\n') + '\n');
    const mirrors = [
      { prefix: `${gone.base()}/two/`, dir: short },
      { prefix: `${gone.base()}/two/`, dir: long },
    ];
    const r = await lib.core.call('library.import', { source: list, kind: 'bundle', retries: 0, mirrors });
    expect(r.failed).toBe(1);
    const { failures } = await lib.core.call('library.failures', {});
    const lost = failures.find((f) => f.url?.endsWith('/two/lost.jpg'))!;
    expect(lost.detail).toContain(`not in the mirror folders (${path.join(short, 'lost.jpg')}; …`);
    expect(lost.detail).toContain(`${path.join('mirror', 'lost.jpg')}), and the URL itself: `);
    expect(lost.detail).not.toContain('l'.repeat(90)); // the long folder is cut from its start
  });
});

describe('a download that failed at its only attempt', () => {
  const busy = useGoneServer(503);
  const base = () => busy.base();

  it('does not say "after 1 attempts"; a retried one says how many', async () => {
    const once = await fetchFailure(fetchBytes(`${base()}/a.jpg`, { retries: 0, backoffMs: 1 }));
    expect(once.message).toMatch(/503/);
    expect(once.message).not.toMatch(/attempt/);
    const twice = await fetchFailure(fetchBytes(`${base()}/b.jpg`, { retries: 1, backoffMs: 1 }));
    expect(twice.message).toMatch(/503.*\(after 2 attempts\)$/);
  });
});
