import { describe, expect, it } from 'vitest';
import { splitMirrorSpec } from './mirror';

describe('PREFIX=DIR', () => {
  it('splits at the last =, so URL prefixes with = and Windows folders both work', () => {
    expect(splitMirrorSpec('https://content.eol.org/data/media/=/data/images/')).toEqual({ prefix: 'https://content.eol.org/data/media/', dir: '/data/images/' });
    expect(splitMirrorSpec('https://x.org/get?id==C:\\images')).toEqual({ prefix: 'https://x.org/get?id=', dir: 'C:\\images' });
    expect(splitMirrorSpec('https://x.org/a?b=c&d==D:\\m\\n')).toEqual({ prefix: 'https://x.org/a?b=c&d=', dir: 'D:\\m\\n' });
  });

  it('refuses a spec without both sides', () => {
    for (const bad of ['', 'https://x/', '=/dir', 'https://x/=']) expect(splitMirrorSpec(bad)).toBeNull();
  });
});
