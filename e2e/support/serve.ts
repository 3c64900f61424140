/** Start `qc serve` on a free port with its own library, and read the URL (with the token) it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SHARED_DIR = path.resolve(REPO_ROOT, '..', 'shared');
export const DEV_DIR = path.join(SHARED_DIR, 'datasets', 'quality-dev');
export const DEV_URL_PREFIX = 'https://content.eol.org/data/media/qc/';

export interface Served {
  /** `http://127.0.0.1:PORT/#token=…` */
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  /** A folder outside the library for exports (an export inside the library folder is refused). */
  outDir: string;
  stop(): Promise<void>;
}

export async function startServe(opts: { dataDir?: string; port?: number } = {}): Promise<Served> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'qc-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', dataDir, 'serve', '--port', String(opts.port ?? 0), '--no-open', '--renderer', path.join(REPO_ROOT, 'out/renderer')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`qc serve printed no URL in 30 s: ${stderr}`)), 30_000);
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /Open (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`qc serve exited with ${code}: ${stderr}`)));
  });
  const parsed = new URL(url);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-e2e-out-'));
  const token = new URLSearchParams(parsed.hash.slice(1)).get('token') ?? '';
  return {
    url,
    origin: parsed.origin,
    token,
    dataDir,
    outDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(outDir, { recursive: true, force: true });
    },
  };
}
