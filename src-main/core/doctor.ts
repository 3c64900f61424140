/**
 * `qc doctor`: what this machine has for Quality Curator, each item with what was found or why it
 * is missing: the GPU it shows, the ONNX Runtime execution providers that really load the backbone
 * (each tried alone), the tfjs backend that trains heads, the Electron binary, a Chromium for the e2e tests
 * and browser mode, SQLite (through better-sqlite3, so an Electron-ABI build shows up here), the
 * library folder (usable as the other commands would use it), the files in it that no image row
 * names, whether the originals its rows name are there with their sizes, and the free disk under it. Plain Node;
 * nothing here imports electron.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { DEFAULT_BACKBONE } from '../../src-shared/domain/ml';
import { findBackbone, loadManifest, MANIFEST_FILE } from './ml/backbone/manifest';
import { DEFAULT_PROVIDERS, gpuLikely, openBackbone, PROVIDERS_ENV, providerOrder } from './ml/backbone/runtime';
import { BACKEND_ORDER, selectBackend } from './ml/train/backend';
import { openDatabase, type Db } from './db/open';
import { checkWritableFolder, whyDatabaseUnwritable } from './db/openErrors';
import { insideDir } from './library/files';
import { checkLibraryFolders, findUnnamedFiles, LIBRARY_FOLDERS } from './library/store';
import { libraryPaths, type LibraryPaths } from './paths';
import { countOf } from '../../src-shared/domain/words';

export interface DoctorItem {
  /** Stable key, e.g. `onnxruntime.cpu`, `electron`, `sqlite`. */
  id: string;
  ok: boolean;
  /** What was found (version, path, provider…); present when ok. */
  detail?: string;
  /** Why it is missing or failed, and what to do; present when not ok. */
  why?: string;
}

export interface DoctorReport {
  platform: string;
  arch: string;
  node: string;
  /** The execution provider the backbone runs on here (the first of the order that loads), or null. */
  provider: string | null;
  /** Whether the providers were probed (false with skipProviders: `provider` is then null, unknown rather than none). */
  providersProbed: boolean;
  /** The tfjs backend that starts here (tfjs-node-gpu, tfjs-node, wasm, cpu), or null. */
  tfBackend: string | null;
  /** What trains MLP heads here: tfjs-node-gpu or tfjs-node when they load, else onnxruntime (core/ml/train/head.ts). */
  mlpTrainer: string;
  items: DoctorItem[];
}

export interface DoctorOptions {
  dataDir: string;
  modelsDir: string;
  /** The folder holding node_modules/electron (default: this checkout's root). */
  root?: string;
  env?: NodeJS.ProcessEnv;
  /** Skip probing the execution providers (fast; used where only the other items matter). */
  skipProviders?: boolean;
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').find((l) => l.trim())?.trim().slice(0, 300) ?? String(e);

/** This checkout's root (src-main/core → ../..). */
export function repoRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export type ElectronBinary = { ok: true; path: string; version: string } | { ok: false; why: string };

/** The Electron executable that `npm install` downloads into node_modules/electron/dist, or why there is none. */
export function findElectronBinary(root = repoRoot(), env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  const dir = path.join(root, 'node_modules', 'electron');
  let version = '?';
  try {
    version = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return { ok: false, why: `the electron package is not installed (${dir} is missing); run npm install` };
  }
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  let rel: string;
  try {
    rel = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
  } catch {
    const skipped = env.ELECTRON_SKIP_BINARY_DOWNLOAD ? ' (ELECTRON_SKIP_BINARY_DOWNLOAD is set)' : '';
    return {
      ok: false,
      why: `Electron ${version}'s binary was not downloaded${skipped}: node_modules/electron/path.txt is missing, so the download from github.com failed or was skipped; with internet access run: node node_modules/electron/install.js`,
    };
  }
  const exe = override ? path.join(override, rel) : path.join(dir, 'dist', rel);
  if (!fs.existsSync(exe)) return { ok: false, why: `Electron ${version}'s binary is missing at ${exe}; with internet access run: node node_modules/electron/install.js` };
  return { ok: true, path: exe, version };
}

/** Where a Chromium or Chrome usually is on this OS (CHROMIUM_PATH first). */
export function chromiumCandidates(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  const list = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : [];
  if (platform === 'darwin') list.push('/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
  else if (platform === 'win32') {
    for (const base of [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter(Boolean) as string[]) list.push(path.join(base, 'Google', 'Chrome', 'Application', 'chrome.exe'), path.join(base, 'Chromium', 'Application', 'chrome.exe'));
  } else list.push('/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable');
  return list;
}

function chromiumItem(env: NodeJS.ProcessEnv): DoctorItem {
  const candidates = chromiumCandidates(env);
  const exe = candidates.find((c) => fs.existsSync(c));
  if (!exe) return { id: 'chromium', ok: false, why: `no Chromium or Chrome at ${candidates.join(', ')}; install one (Debian: apt-get install chromium) or set CHROMIUM_PATH (needed by the e2e tests and bench:ui)` };
  if (process.platform === 'win32') {
    // chrome.exe has no --version on Windows (it opens a window): its version is the name of the folder beside it.
    const version = fs.readdirSync(path.dirname(exe)).filter((d) => /^\d+\.\d+\.\d+\.\d+$/.test(d)).sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))[0];
    return { id: 'chromium', ok: true, detail: `${version ? `Chrome ${version}` : 'version unknown'} (${exe})` };
  }
  const r = spawnSync(exe, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  const version = (r.stdout ?? '').trim();
  if (r.status !== 0 || !version) return { id: 'chromium', ok: false, why: `${exe} --version failed: ${firstLine(r.error ?? r.stderr ?? `exit ${r.status}`)}` };
  return { id: 'chromium', ok: true, detail: `${version} (${exe})` };
}

function sqliteItem(): DoctorItem {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(':memory:');
    try {
      const { v } = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
      return { id: 'sqlite', ok: true, detail: `SQLite ${v} (better-sqlite3, Node ABI ${process.versions.modules})` };
    } finally {
      db.close();
    }
  } catch (e) {
    const abi = /NODE_MODULE_VERSION/.test(String(e)) ? ' (it was built for another ABI, e.g. after electron-builder install-app-deps: run npm rebuild better-sqlite3)' : '';
    return { id: 'sqlite', ok: false, why: `better-sqlite3 does not load${abi}: ${firstLine(e)}` };
  }
}

/** Which GPU this machine shows (what the GPU providers could use), or why none was found. */
export function gpuItem(platform: NodeJS.Platform = process.platform, arch: string = process.arch): DoctorItem {
  if (platform === 'darwin') return arch === 'arm64' ? { id: 'gpu', ok: true, detail: 'Apple silicon GPU and Neural Engine (CoreML, WebGPU via Metal)' } : { id: 'gpu', ok: false, why: 'Intel Mac: onnxruntime-node 1.30 has no darwin-x64 build' };
  const smi = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], { encoding: 'utf8', timeout: 15_000 });
  const nvidia = smi.status === 0 ? smi.stdout.trim().split('\n').filter(Boolean) : [];
  if (nvidia.length) return { id: 'gpu', ok: true, detail: `NVIDIA ${nvidia.map((l) => l.replace(', ', ', driver ')).join('; ')}` };
  if (platform === 'win32') return { id: 'gpu', ok: true, detail: 'not listed on Windows: DirectML uses any DirectX 12 GPU (see onnxruntime.dml)' };
  let nodes: string[] = [];
  try {
    nodes = fs.readdirSync('/dev/dri').filter((f) => f.startsWith('renderD'));
  } catch {
    // no DRM devices
  }
  if (nodes.length) return { id: 'gpu', ok: true, detail: `DRM render node(s) ${nodes.map((n) => `/dev/dri/${n}`).join(', ')} (WebGPU needs a Vulkan driver for it)` };
  return { id: 'gpu', ok: false, why: 'no GPU found: nvidia-smi does not run and there is no /dev/dri/renderD* device (embedding runs on the CPU)' };
}

/** The nearest folder that exists at or above `p` (the library may not exist yet). */
function existingAncestor(p: string): string {
  let dir = path.resolve(p);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** The content folders where a library keeps its pictures: another library inside one of them looks like stray files. */
const CONTENT_FOLDERS = ['originals', 'thumbs', 'previews'] as const;

/** The library folders nested in `root`'s content folders (each holding a library.sqlite), relative to `root`. */
function nestedLibraries(root: string): string[] {
  return CONTENT_FOLDERS.filter((kind) => fs.existsSync(path.join(root, kind, 'library.sqlite'))).map((kind) => `${kind}/`);
}

/**
 * Whether the library can be used as every other command uses it: its folder and database can be
 * written (a read-only file system, no permission, the immutable flag), its own folders are real
 * folders (not links), and it is not inside another library's folders, nor holds one in its own.
 * The same checks as opening it (store.ts checkLibraryFolder, db/open.ts), each said the same way.
 */
function libraryItem(paths: LibraryPaths, exists: boolean): DoctorItem {
  if (!exists) return { id: 'library', ok: true, detail: `${paths.root} (no library yet: created on first use)` };
  const parent = path.dirname(paths.root);
  if ((LIBRARY_FOLDERS as readonly string[]).includes(path.basename(paths.root)) && fs.existsSync(path.join(parent, 'library.sqlite'))) {
    return { id: 'library', ok: false, why: `${paths.root} is inside the library ${parent} (its ${path.basename(paths.root)}/ folder), which counts its files as its own: move this library out of ${parent}` };
  }
  try {
    checkWritableFolder(paths.root);
    checkLibraryFolders(paths.root);
  } catch (e) {
    return { id: 'library', ok: false, why: firstLine(e) };
  }
  const unwritable = whyDatabaseUnwritable(paths.db);
  if (unwritable) return { id: 'library', ok: false, why: `${unwritable}: every change to the library would fail; make it writable (check its owner, permissions and immutable flag)` };
  const nested = nestedLibraries(paths.root);
  if (nested.length) return { id: 'library', ok: false, why: `another library is inside this one's ${nested.join(', ')} (a library.sqlite there): its files look unused to this library, never delete them; move that library out of ${paths.root}` };
  return { id: 'library', ok: true, detail: `${paths.root} (library.sqlite present)` };
}

function libraryItems(dataDir: string): DoctorItem[] {
  const paths = libraryPaths(dataDir);
  const exists = fs.existsSync(paths.db);
  const library = libraryItem(paths, exists);
  const at = existingAncestor(paths.root);
  let disk: DoctorItem;
  try {
    const s = fs.statfsSync(at);
    const free = s.bavail * s.bsize;
    const gb = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GB`;
    disk = free < 1024 ** 3 ? { id: 'disk', ok: false, why: `only ${gb(free)} free under ${at}; imports store every original plus previews and thumbnails` } : { id: 'disk', ok: true, detail: `${gb(free)} free of ${gb(s.blocks * s.bsize)} under ${at}` };
  } catch (e) {
    disk = { id: 'disk', ok: false, why: `cannot read free space under ${at}: ${firstLine(e)}` };
  }
  if (!exists) return [library, disk];
  // One read-only connection for the two checks of the image rows (the library is not changed).
  let db: Db | Error;
  try {
    db = openDatabase(paths.db, { readonly: true });
  } catch (e) {
    db = e instanceof Error ? e : new Error(String(e));
  }
  try {
    return [library, filesItem(paths, db), originalsItem(paths, db), disk];
  } finally {
    if (!(db instanceof Error)) db.close();
  }
}

/** How many image rows the originals check looks at, at most (a random sample of a larger library). */
export const ORIGINALS_SAMPLE = 2000;

/**
 * Whether the originals the image rows name are there with the size recorded for them (a stat
 * each, never a read: an emptied, truncated or replaced file of another size shows; one changed
 * in place at the same size does not, and `qc export-training` checks each sha256 as it copies).
 * Every row of a library of up to ORIGINALS_SAMPLE images, else a random sample of that many.
 */
function originalsItem(paths: LibraryPaths, db: Db | Error): DoctorItem {
  const id = 'library.originals';
  let total: number;
  let rows: { id: number; path: string; bytes: number }[];
  try {
    if (db instanceof Error) throw db;
    total = db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number;
    rows = db.prepare(`SELECT id, path, bytes FROM images ${total > ORIGINALS_SAMPLE ? 'ORDER BY random()' : 'ORDER BY id'} LIMIT ?`).all(ORIGINALS_SAMPLE) as typeof rows;
  } catch (e) {
    return { id, ok: false, why: `cannot read the library to check its originals: ${firstLine(e)}` };
  }
  let missing = 0;
  let resized = 0;
  const examples: string[] = [];
  for (const r of rows) {
    const file = insideDir(paths.root, r.path);
    const st = file ? fs.statSync(file, { throwIfNoEntry: false }) : undefined;
    let wrong: string | null = null;
    if (!st?.isFile()) {
      missing++;
      wrong = `${r.path} (image ${r.id}) is missing`;
    } else if (st.size !== r.bytes) {
      resized++;
      wrong = `${r.path} (image ${r.id}) has ${st.size} bytes, ${r.bytes} recorded`;
    }
    if (wrong && examples.length < 3) examples.push(wrong);
  }
  const checked = rows.length === total ? `all ${countOf(total, 'original')}` : `a random sample of ${rows.length} of ${total} originals`;
  if (!missing && !resized) return { id, ok: true, detail: `${checked} there, each of the size recorded` };
  const found = [...(missing ? [`${missing} missing`] : []), ...(resized ? [`${resized} of another size than recorded (emptied, truncated or replaced)`] : [])].join(' and ');
  return {
    id,
    ok: false,
    why: `of ${checked}, ${found}, e.g. ${examples.join('; ')}: their pictures are lost to the library (export-training leaves them out); put back the library's originals/ from a backup`,
  };
}

/**
 * The files under originals/, thumbs/ and previews/ that no image row names (store.ts
 * findUnnamedFiles: a picture whose import was killed after its files were stored, before its row),
 * read from the database read-only (`db`, or the error opening it): the library is not changed.
 */
function filesItem(paths: LibraryPaths, db: Db | Error): DoctorItem {
  const id = 'library.files';
  let found;
  try {
    if (db instanceof Error) throw db;
    found = findUnnamedFiles(db, paths.root);
  } catch (e) {
    return { id, ok: false, why: `cannot read the library to check its files: ${firstLine(e)}` };
  }
  if (found.count === 0) return { id, ok: true, detail: 'every file in originals/, thumbs/ and previews/ is named by an image row' };
  const nested = nestedLibraries(paths.root);
  const size = found.bytes < 1024 ** 2 ? `${Math.ceil(found.bytes / 1024)} kB` : `${(found.bytes / 1024 ** 2).toFixed(1)} MB`;
  const removes = 'the next qc command or the app removes them when it opens the library';
  const settling = found.settling === found.count ? ` (left by a killed import: ${removes})` : found.settling > 0 ? ` (${found.settling} left by a killed import: ${removes})` : '';
  return {
    id,
    ok: false,
    why: nested.length
      ? `${countOf(found.count, 'file')} (${size}) no image row names, e.g. ${found.examples.join(', ')}; another library is inside ${nested.join(', ')} and some of them are its files: do not delete any of them before that library is moved out`
      : `${countOf(found.count, 'file')} (${size}) no image row names, e.g. ${found.examples.join(', ')}${settling}; nothing uses them, and with no import running they may be deleted`,
  };
}

/** Each execution provider alone, as the runtime would open it (model loaded, one warm-up image run). */
async function providerItems(modelsDir: string, env: NodeJS.ProcessEnv): Promise<{ items: DoctorItem[]; provider: string | null }> {
  let file: string;
  try {
    const manifest = await loadManifest(modelsDir);
    file = path.resolve(modelsDir, findBackbone(manifest, DEFAULT_BACKBONE, path.join(modelsDir, MANIFEST_FILE)).file);
  } catch (e) {
    return { items: [{ id: 'onnxruntime', ok: false, why: `the backbone manifest cannot be read: ${firstLine(e)}` }], provider: null };
  }
  if (!fs.existsSync(file)) {
    return { items: [{ id: 'onnxruntime', ok: false, why: `the backbone ${file} is missing, so no provider can be tried; run: npx tsx scripts/convert-backbone.ts` }], provider: null };
  }
  const items: DoctorItem[] = [];
  const loaded = new Set<string>();
  // Each provider is probed alone, whatever QC_PROVIDERS says (it only orders them; reported below).
  const forced = process.env[PROVIDERS_ENV];
  delete process.env[PROVIDERS_ENV];
  try {
    for (const p of DEFAULT_PROVIDERS) {
      const id = `onnxruntime.${p}`;
      if (p === 'webgpu' && !gpuLikely()) {
        items.push({ id, ok: false, why: 'not tried: no GPU found (Linux: no /dev/dri render node or NVIDIA device, or no Vulkan loader libvulkan.so.1); QC_PROVIDERS=webgpu forces it' });
        continue;
      }
      const started = performance.now();
      try {
        const b = await openBackbone(DEFAULT_BACKBONE, { modelsDir, providers: [p] });
        await b.close();
        loaded.add(p);
        items.push({ id, ok: true, detail: `loads and runs the backbone (${Math.round(performance.now() - started)} ms)` });
      } catch (e) {
        const msg = firstLine(e);
        const lines = (e instanceof Error ? e.message : String(e)).split('\n').map((l) => l.trim());
        const reason = lines.find((l) => l.startsWith(`${p}:`))?.slice(p.length + 1).trim() ?? msg;
        items.push({ id, ok: false, why: reason });
      }
    }
  } finally {
    if (forced !== undefined) process.env[PROVIDERS_ENV] = forced;
  }
  const order = providerOrder(undefined, env);
  const provider = order.find((p) => loaded.has(p)) ?? null;
  if (env[PROVIDERS_ENV]) items.push({ id: 'onnxruntime.order', ok: provider !== null, ...(provider ? { detail: `${PROVIDERS_ENV}=${env[PROVIDERS_ENV]}: ${provider} is used` } : { why: `${PROVIDERS_ENV}=${env[PROVIDERS_ENV]} names no provider that loads here` }) });
  return { items, provider };
}

async function tfItem(): Promise<{ item: DoctorItem; backend: string | null }> {
  try {
    const b = await selectBackend();
    const skipped = b.skipped.length ? `; skipped ${b.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}` : '';
    return { item: { id: 'tfjs', ok: true, detail: `${b.name} (order ${BACKEND_ORDER.join(', ')}${skipped})` }, backend: b.name };
  } catch (e) {
    return { item: { id: 'tfjs', ok: false, why: firstLine(e) }, backend: null };
  }
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const env = opts.env ?? process.env;
  const items: DoctorItem[] = [];
  let provider: string | null = null;
  if (opts.skipProviders) items.push({ id: 'onnxruntime', ok: false, why: 'not probed (skipped on request)' });
  else {
    const p = await providerItems(opts.modelsDir, env);
    items.push(...p.items);
    provider = p.provider;
  }
  items.push(gpuItem());
  const tf = await tfItem();
  items.push(tf.item);
  const electron = findElectronBinary(opts.root, env);
  items.push(electron.ok ? { id: 'electron', ok: true, detail: `Electron ${electron.version} (${electron.path})` } : { id: 'electron', ok: false, why: electron.why });
  items.push(chromiumItem(env), sqliteItem(), ...libraryItems(opts.dataDir));
  const mlpTrainer = tf.backend === 'tensorflow-gpu' ? 'tfjs-node-gpu' : tf.backend === 'tensorflow' ? 'tfjs-node' : 'onnxruntime';
  return { platform: `${process.platform} ${os.release()}`, arch: process.arch, node: process.version, provider, providersProbed: !opts.skipProviders, tfBackend: tf.backend, mlpTrainer, items };
}

/** The report as lines for a terminal: `ok   id  detail` or `--   id  why`. */
export function formatDoctor(r: DoctorReport): string {
  const width = Math.max(...r.items.map((i) => i.id.length));
  const lines = [`Quality Curator doctor: ${r.platform}, ${r.arch}, Node ${r.node}`];
  for (const i of r.items) lines.push(`${i.ok ? 'ok' : '--'}  ${i.id.padEnd(width)}  ${i.ok ? i.detail : i.why}`);
  // Not probed (--no-providers) is not "nothing": which provider would run is simply not known.
  const embedding = r.provider ?? (r.providersProbed ? 'nothing (see above)' : 'not probed (the providers were skipped)');
  lines.push(`embedding runs on: ${embedding}; MLP heads train on: ${r.mlpTrainer}`);
  return lines.join('\n');
}
