// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { QcError } from '../../src-shared/contract/errors';
import { setup } from '../../test-support/renderer/render';
import { argumentText, errorText } from './errorText';
import { toQcError } from './client';

/** What the call rejects with, as the page gets it. */
async function rejection(p: Promise<unknown>): Promise<QcError> {
  try {
    await p;
  } catch (e) {
    return toQcError(e);
  }
  throw new Error('the call did not fail');
}

describe('a wrong value, as a curator reads it (the real core through the in-memory transport)', () => {
  it('an out-of-range threshold is a sentence about the threshold, without the API method or field', async () => {
    const { store, client } = setup();
    await store.getState().useThresholdForExport(1.5);
    const texts = store.getState().toasts.map((t) => t.text);
    expect(texts).toEqual(['Threshold: The threshold must be between 0 and 1.']);
    expect(texts.join()).not.toMatch(/ml\.|setThreshold|threshold:/);

    // The message for API clients, the CLI and logs is as it was; the detail crossed the transport.
    const e = await rejection(client.call('ml.setThreshold', { threshold: 1.5 }));
    expect(e.code).toBe('invalid_argument');
    expect(e.message).toMatch(/^ml\.setThreshold: threshold: /);
    expect(e.detail).toEqual({ method: 'ml.setThreshold', path: ['threshold'], reason: expect.any(String), range: { min: { value: 0, inclusive: true }, max: { value: 1, inclusive: true } } });
  });

  it('says which end a half-open range leaves out, and words a value that is not a number, or a field with no name', async () => {
    const { client } = setup();
    expect(errorText(await rejection(client.call('ml.train', { dropout: 1 })))).toBe('The dropout must be at least 0 and less than 1.');
    expect(errorText(await rejection(client.call('library.import', { source: '/x', concurrency: 0 })))).toBe('The number of parallel downloads must be between 1 and 64.');
    expect(errorText(await rejection(client.call('ml.setThreshold', { threshold: NaN })))).toBe('The threshold must be a number.');
    expect(errorText(await rejection(client.call('library.import', { source: 'photos' })))).toMatch(/^The input list must be an http\(s\) URL or an absolute path .*started in\)\.$/);
    const unknown = errorText(await rejection(client.call('library.status', { everything: true } as never)));
    expect(unknown).toMatch(/^That value is not accepted: .*everything/);
    for (const t of [unknown]) expect(t).not.toMatch(/library\.|status:|args:/);
  });

  it('leaves every other error as its describeError text', () => {
    expect(errorText(new QcError('bad_input', 'not a rating', { file: 'r.tsv', line: 3 }))).toBe('r.tsv:3: not a rating');
    expect(errorText({ code: 'invalid_argument', message: 'ml.setThreshold: threshold: too big' })).toBe('That value is not accepted: threshold: too big');
    expect(argumentText({ method: 'm.x', path: ['runIds', 2], reason: 'Too small', range: { min: { value: 1, inclusive: true } } })).toBe('The runs must be at least 1.');
  });
});
