import { describe, expect, test } from 'vitest';
import { runEngines } from './format';

describe('runEngines', () => {
  test('names the provider that embedded, or says nothing was embedded', () => {
    expect(runEngines({ backbone: 'mobilenet_v2_nsfwjs', provider: 'cpu', backend: 'onnxruntime' })).toBe('backbone mobilenet_v2_nsfwjs · features embedded on cpu · head trained with onnxruntime');
    for (const provider of ['none', null, undefined]) expect(runEngines({ backbone: 'b', provider, backend: 'js' })).toContain('features from the cache (nothing embedded)');
    expect(runEngines({})).toBe('backbone – · features from the cache (nothing embedded) · head trained with –');
  });
});
