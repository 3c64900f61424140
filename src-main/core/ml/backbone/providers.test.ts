/**
 * Provider probing is silent unless asked: WebGPU is not probed where no GPU is likely (Dawn would
 * print a native Vulkan warning with stack lines on stderr), and one line says which provider runs and why.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test-support/fixtures';
import { describeProvider, gpuLikely } from './runtime';

describe('provider probing', () => {
  it('expects a GPU on Linux only with a render node or NVIDIA device and the Vulkan loader', () => {
    const files = (have: string[]) => (p: string) => have.includes(p);
    const dri = (entries: string[]) => (dir: string) => (dir === '/dev/dri' ? entries : []);
    expect(gpuLikely('linux', files([]), dri([]))).toBe(false);
    expect(gpuLikely('linux', files(['/usr/lib/x86_64-linux-gnu/libvulkan.so.1']), dri([]))).toBe(false);
    expect(gpuLikely('linux', files([]), dri(['card0', 'renderD128']))).toBe(false);
    expect(gpuLikely('linux', files(['/usr/lib/x86_64-linux-gnu/libvulkan.so.1']), dri(['renderD128']))).toBe(true);
    expect(gpuLikely('linux', files(['/dev/nvidia0', '/usr/lib64/libvulkan.so.1']), dri([]))).toBe(true);
    expect(gpuLikely('darwin', files([]), dri([]))).toBe(true);
    expect(gpuLikely('win32', files([]), dri([]))).toBe(true);
  });

  it('says in one line which provider runs and why the others did not', () => {
    const line = describeProvider('cpu', [
      { provider: 'cuda', ok: false, ms: 0, error: 'the CUDA provider libraries are not installed (libonnxruntime_providers_cuda.so is missing)' },
      { provider: 'dml', ok: false, ms: 0, error: 'not available in onnxruntime-node on linux/x64 (has: cpu)' },
      { provider: 'webgpu', ok: false, ms: 0, error: 'no GPU found (not probed; QC_PROVIDERS=webgpu tries it)' },
      { provider: 'cpu', ok: true, ms: 50 },
    ]);
    expect(line).toBe('cpu (cuda: the CUDA provider libraries are not installed; webgpu: no GPU found)');
    expect(line).not.toContain('\n');
    expect(describeProvider('cuda', [{ provider: 'cuda', ok: true, ms: 5 }])).toBe('cuda');
  });

  const model = path.join(REPO_ROOT, 'resources/models/mobilenet_v2_nsfwjs.onnx');
  it.runIf(fs.existsSync(model) && !gpuLikely())('opens the backbone with the default providers without a word on stderr', () => {
    const script = `import { openBackbone } from ${JSON.stringify(path.join(REPO_ROOT, 'src-main/core/ml/backbone/runtime.ts'))};
const b = await openBackbone('mobilenet_v2_nsfwjs', { modelsDir: ${JSON.stringify(path.join(REPO_ROOT, 'resources/models'))} });
console.log(b.provider); await b.close();`;
    const env = { ...process.env };
    delete env.QC_PROVIDERS;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('cpu');
    expect(r.stderr).not.toMatch(/vulkan/i);
    expect(r.stderr).toBe('');
  }, 70_000);

  it.runIf(fs.existsSync(model) && !gpuLikely())('qc embed says once, in one line, which provider ran and why', async () => {
    const { createCore } = await import('../../app');
    const { DEV_IMAGES, DEV_URL_PREFIX, devRatings, tempDir } = await import('../../../../test-support/fixtures');
    const dir = tempDir();
    const core = createCore({ dataDir: path.join(dir, 'data') });
    try {
      const file = path.join(dir, 'r.txt');
      fs.writeFileSync(file, ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry', ...devRatings().slice(0, 2).map((r) => r.join('\t'))].join('\n') + '\n');
      await core.call('library.import', { source: file, mirrors: [{ prefix: DEV_URL_PREFIX, dir: DEV_IMAGES }] });
      const s = await core.call('ml.embed', { features: ['whole'] });
      expect(s.provider).toBe('cpu');
      expect(s.provider_note).toMatch(/^cpu \(.*webgpu: no GPU found.*\)$/);
      expect(s.provider_note).not.toContain('\n');
    } finally {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
