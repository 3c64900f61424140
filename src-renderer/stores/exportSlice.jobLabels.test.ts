// @vitest-environment jsdom
// The job bar names what each export job works on: the bundle a classify reads, the bundle or the
// library an export of tags writes (a bare "Classify bundle" left the curator guessing which).
import { describe, expect, test } from 'vitest';
import { joinPath, tempDir } from '../../test-support/renderer/files';
import { setup } from '../../test-support/renderer/render';
import { shownFileName } from './exportSlice';

const tmp = tempDir('qc-export-labels-');

describe('job labels name their bundle', () => {
  test("Classify names the bundle's file; Export tags names the bundle or the library", async () => {
    const { client, store } = setup({ images: 40, runs: 1 });
    const s = () => store.getState();
    const releaseClassify = client.hold('ml.classify');
    s().setClassifyForm({ source: joinPath(tmp, 'in', 'newbundle4.txt'), outDir: joinPath(tmp, 'classified') });
    const classify = s().startClassify();
    expect(s().jobs.map((j) => j.label)).toEqual(['Classify newbundle4.txt']);
    s().cancelJob(s().classifyJobId!);
    releaseClassify();
    expect(await classify).toBeNull();

    const releaseTags = client.hold('export.tags');
    s().setExportForm({ outDir: joinPath(tmp, 'tags'), scope: 'library' });
    const library = s().startExport();
    expect(s().jobs.map((j) => j.label)).toEqual(['Export tags of the library']);
    s().cancelJob(s().exportJobId!);
    releaseTags();
    expect(await library).toBeNull();

    const releaseBundle = client.hold('export.tags');
    store.setState({ sources: { imports: [], bundles: [{ id: 7, name: 'media_b.tsv', origin: '/data/media_b.tsv', rows: 3 }] } });
    s().setExportForm({ outDir: joinPath(tmp, 'tags'), scope: 'bundle', bundleId: '7' });
    const bundle = s().startExport();
    expect(s().jobs.map((j) => j.label)).toEqual(['Export tags of bundle media_b.tsv (id 7)']);
    s().cancelJob(s().exportJobId!);
    releaseBundle();
    expect(await bundle).toBeNull();
  }, 30_000);

  test("a bundle file's name: the last part of a path (either separator) or of a URL's path", () => {
    expect(shownFileName('  /home/me/bundles/b.tsv ')).toBe('b.tsv');
    expect(shownFileName('C:\\Users\\me\\b #1.tsv')).toBe('b #1.tsv');
    expect(shownFileName('https://example.org/x/media.tsv?token=1#top')).toBe('media.tsv');
    expect(shownFileName('b.tsv')).toBe('b.tsv');
  });
});
