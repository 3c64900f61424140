import { describe, expect, it } from 'vitest';
import { externalLink } from './links';

describe('externalLink: what the app hands to the browser', () => {
  it('passes plain http(s) addresses, normalised', () => {
    expect(externalLink('https://content.eol.org/data/media/7e/1a/0b/542.jpg')).toBe('https://content.eol.org/data/media/7e/1a/0b/542.jpg');
    expect(externalLink('HTTP://Example.ORG/a b')).toBe('http://example.org/a%20b');
  });
  it('refuses every other scheme, credentials, garbage', () => {
    for (const bad of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'ms-msdt:/id',
      'data:text/html,<b>x</b>',
      'app://renderer/index.html',
      'https://eol.org@evil.example/',
      'https://user:pw@example.org/',
      'not a url',
      '',
      'http://',
    ]) {
      expect(externalLink(bad), bad).toBeNull();
    }
  });
});
