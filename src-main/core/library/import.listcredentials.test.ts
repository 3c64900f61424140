/**
 * A list URL with a user name and password is refused at once, as an image URL with them is: no
 * request is sent, it is not retried, and the password is in neither the error's message nor its
 * file. A real HTTP server on 127.0.0.1 counts the requests.
 */
import { describe, expect, it } from 'vitest';
import { QcError } from '../../../src-shared/contract/errors';
import { useTempLibrary } from '../../../test-support/devLibrary';
import { withoutPassword } from './sources';

describe('a list URL with credentials', () => {
  const lib = useTempLibrary({ serve: {} });

  it('is refused before any request, once, without printing the password back', async () => {
    lib.server.override('/list.tsv', (res) => {
      res.writeHead(200, { 'content-type': 'text/tab-separated-values' });
      res.end('eolMediaURL\n');
    });
    const url = lib.server.base.replace('http://', 'http://curator:s3cret-pw@') + '/list.tsv';
    const err = await lib.core.call('library.import', { source: url, retries: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QcError);
    const e = err as QcError;
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain('URLs with a user name or password are not accepted');
    expect(e.message).not.toMatch(/attempts/);
    expect(JSON.stringify(e.toJSON())).not.toContain('s3cret-pw');
    expect(e.file).toBe(url.replace('s3cret-pw', '***'));
    expect(lib.server.totalHits()).toBe(0);
  });

  it('withoutPassword hides only a password', () => {
    expect(withoutPassword('https://u:p@host.example/a?b#c')).toBe('https://u:***@host.example/a?b#c');
    expect(withoutPassword('https://host.example/a')).toBe('https://host.example/a');
    expect(withoutPassword('https://u@host.example/a')).toBe('https://u@host.example/a');
    expect(withoutPassword('not a url')).toBe('not a url');
  });
});
