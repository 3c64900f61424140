/**
 * Hostile-input and concurrent-writer benchmark: measures the promises "bad input gets a clear
 * error (file, line, reason) and loses nothing stored", "concurrent writers never fail" and "no
 * input makes the app read a local file the user did not choose", and prints numbers.
 *
 *   npm run bench:hostile -- [--lines 5000] [--seconds 60] [--writers 8] [--seed 1] [--keep] [--json]
 *
 * On a fresh library under os.tmpdir() (removed unless --keep):
 *  A. imports the dev set (quality-dev, through its mirror) and records its labels;
 *  B. imports a seeded hostile EOL ratings file (scripts/bench/hostileRows.ts) through the core
 *     (`library.import`) and a second one (seed + 1) through the CLI (`qc import … --json`), with a
 *     local HTTP server serving valid pictures and hostile bodies; prints rows read, stored, refused
 *     by reason, whether each refusal names file and line, and checks that the dev set's labels are
 *     unchanged, that no canary file (named by file://, absolute and relative paths, a redirect) was
 *     read into the library, and that `qc doctor`'s library checks pass;
 *  C. runs N writer processes (`node scripts/qc.mjs …`) for S seconds: label changes, small imports,
 *     threshold sets, a training run, tag exports to a folder outside the library; prints calls,
 *     failures and p50/p95 latency per kind, then PRAGMA integrity_check and whether every label
 *     a writer set last is what the library holds.
 *
 * Exits 1 when a promise is broken (a failed call, a lost label, a canary read, a refusal without
 * file and line, an inconsistent library).
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { createCore, defaultModelsDir } from '../../src-main/core/app';
import { runDoctor } from '../../src-main/core/doctor';
import { mulberry32 } from '../../src-shared/domain/random';
import type { ImportSummary } from '../../src-shared/domain/library';
import { DATASET_IMAGES_DIR, intArg, repoRoot } from './fixtures';
import { HOSTILE_KINDS, hostileRatings, ROW_REFUSED, URL_REFUSED, type HostileFile, type HostileKind } from './hostileRows';

const DEV_DIR = path.dirname(DATASET_IMAGES_DIR);
const DEV_PREFIX = 'https://content.eol.org/data/media/qc/';
const QC = path.join(repoRoot, 'scripts', 'qc.mjs');
/** Per-request limit for the hostile imports (the slow drip must not hold the run for minutes). */
const TIMEOUT_MS = 4000;

interface Options {
  lines: number;
  seconds: number;
  writers: number;
  seed: number;
  keep: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const known = new Set(['--lines', '--seconds', '--writers', '--seed', '--keep', '--json']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a.split('=')[0] as string)) throw new Error(`unknown option ${a} (options: ${[...known].join(' ')})`);
  return {
    lines: intArg(argv, 'lines', 5000),
    seconds: intArg(argv, 'seconds', 60),
    writers: intArg(argv, 'writers', 8),
    seed: intArg(argv, 'seed', 1, 0),
    keep: argv.includes('--keep'),
    json: argv.includes('--json'),
  };
}

// ---------------------------------------------------------------------------------------------
// The local test server: valid pictures under /ok/<k>.jpg, hostile bodies under /hostile/.

interface TestServer {
  base: string;
  requests: Map<string, number>;
  close(): Promise<void>;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A PNG that declares 20000×20000 RGB and carries the first 500 rows of zeros (a decompression bomb's header). */
function bombPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20000, 0);
  ihdr.writeUInt32BE(20000, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const idat = zlib.deflateSync(Buffer.alloc(500 * (1 + 20000 * 3)), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

async function startServer(canary: string): Promise<TestServer> {
  const requests = new Map<string, number>();
  const pictures = new Map<number, Promise<Buffer>>();
  const picture = (k: number) => {
    let p = pictures.get(k);
    if (!p) {
      // Distinct bytes per k: a colour from k and a band whose place depends on k.
      const bg = { r: (k * 37) % 256, g: (k * 91) % 256, b: (k * 53) % 256 };
      const band = { input: { create: { width: 40, height: 120, channels: 3 as const, background: { r: 255 - bg.r, g: 255 - bg.g, b: 255 - bg.b } } }, left: k % 120, top: 0 };
      p = sharp({ create: { width: 160, height: 120, channels: 3, background: bg } }).composite([band]).jpeg({ quality: 80 }).toBuffer();
      pictures.set(k, p);
    }
    return p;
  };
  const realJpeg = fs.readFileSync(path.join(DATASET_IMAGES_DIR, '9000001.jpg'));
  const truncated = realJpeg.subarray(0, Math.floor(realJpeg.length * 0.4));
  const bomb = bombPng();
  const drips = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const route = url.startsWith('/ok/') ? '/ok/*' : url.split('?')[0]!.slice(0, 200);
    requests.set(route, (requests.get(route) ?? 0) + 1);
    const ok = /^\/ok\/(\d+)\.jpg$/.exec(url);
    if (ok) {
      picture(Number(ok[1])).then(
        (b) => res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': b.length }).end(b),
        () => res.writeHead(500).end(),
      );
      return;
    }
    switch (url) {
      case '/hostile/nonimage.jpg':
        res.writeHead(200, { 'content-type': 'image/jpeg' }).end('this is not a picture, just text that claims to be one\n'.repeat(20));
        return;
      case '/hostile/page.jpg':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Error 503</body></html>');
        return;
      case '/hostile/empty.jpg':
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 0 }).end();
        return;
      case '/hostile/truncated.jpg':
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': truncated.length }).end(truncated);
        return;
      case '/hostile/bomb.png':
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': bomb.length }).end(bomb);
        return;
      case '/hostile/drip.jpg': {
        // Headers at once, then one byte of a real JPEG every 250 ms: never finishes in time.
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': realJpeg.length });
        let i = 0;
        const t = setInterval(() => {
          if (i >= realJpeg.length || res.destroyed) {
            clearInterval(t);
            drips.delete(t);
            res.end();
            return;
          }
          res.write(realJpeg.subarray(i, i + 1));
          i++;
        }, 250);
        drips.add(t);
        res.on('close', () => {
          clearInterval(t);
          drips.delete(t);
        });
        return;
      }
      case '/hostile/loop':
        res.writeHead(302, { location: '/hostile/loop' }).end();
        return;
      case '/hostile/to-file':
        res.writeHead(302, { location: `file://${canary}` }).end();
        return;
      case '/hostile/to-etc':
        res.writeHead(301, { location: 'file:///etc/passwd' }).end();
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of drips) clearInterval(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Reading the library (read-only) and running the CLI

function readOnly<T>(dataDir: string, f: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, 'library.sqlite'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    return f(db);
  } finally {
    db.close();
  }
}

interface LabelRow {
  image_id: number;
  label: string | null;
  origin: string;
}

function labelsOf(dataDir: string, urls: string[]): Map<string, LabelRow> {
  return readOnly(dataDir, (db) => {
    const q = db.prepare('SELECT u.image_id, l.label, l.origin FROM image_urls u JOIN labels l ON l.image_id = u.image_id WHERE u.url = ?');
    const out = new Map<string, LabelRow>();
    for (const u of urls) {
      const r = q.get(u) as LabelRow | undefined;
      if (r) out.set(u, r);
    }
    return out;
  });
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function qc(dataDir: string, args: string[], timeoutMs = 600_000): Promise<CliResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [QC, '--data', dataDir, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

function parseJson(s: string): Record<string, unknown> | null {
  try {
    return JSON.parse(s.trim()) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Every file under dir, recursively (no links followed). */
function* walk(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

/** How many files under dir hold the canary's marker or /etc/passwd's first bytes. */
function scanFor(dir: string, marker: string): { canaryHits: number; passwdHits: number; filesScanned: number } {
  let canaryHits = 0;
  let passwdHits = 0;
  let filesScanned = 0;
  const needles = [Buffer.from(marker), Buffer.from('root:x:0:0:')] as const;
  for (const f of walk(dir)) {
    filesScanned++;
    const b = fs.readFileSync(f);
    if (b.includes(needles[0])) canaryHits++;
    if (b.includes(needles[1])) passwdHits++;
  }
  return { canaryHits, passwdHits, filesScanned };
}

/**
 * The canary check's positive control: the canary imported on purpose (`--allow-local`) into a
 * library of its own must be found by the same scan, or the check proves nothing.
 */
async function canaryControl(tmp: string, canary: string, marker: string): Promise<number> {
  const dataDir = path.join(tmp, 'control');
  const list = path.join(tmp, 'input', 'control.txt');
  fs.writeFileSync(list, `obj_with_overall_rating\tobj_url\toverall_rating\tancestry\n1\tfile://${canary}\t4\t{}\n`);
  const core = createCore({ dataDir });
  try {
    await core.call('library.import', { source: list, allowLocal: true });
  } finally {
    await core.close();
  }
  return scanFor(dataDir, marker).canaryHits;
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const round = (x: number, d = 1) => Number(x.toFixed(d));

// ---------------------------------------------------------------------------------------------
// B: what became of a hostile file's rows

interface HostileReport {
  via: 'core' | 'cli';
  file: string;
  lines: number;
  seconds: number;
  error: string | null;
  rows_read: number;
  rows_stored: number;
  rows_with_image: number;
  images_new: number;
  images_existing: number;
  failed_urls: number;
  failed_before: number;
  row_problems: number;
  failures_by_reason: Record<string, number>;
  row_refusals: number;
  row_refusals_with_file_and_line: number;
  row_refusals_line_matches_generator: number;
  url_failures: number;
  url_failures_traceable_to_file_line: number;
  /** Rows ended by a lone CR or following one (one line with a CR inside). */
  cr_joined_rows: number;
  /** Per generated kind: rows, rows stored (a source row at their line), stored with a picture, refused at row level, URL failed. */
  by_kind: Record<string, { rows: number; stored: number; with_image: number; row_refused: number; url_failed: number }>;
  /** Rows of a URL_REFUSED kind whose URL became a picture. */
  local_or_hostile_stored: { line: number; kind: HostileKind; url: string }[];
  /** Rows of a ROW_REFUSED kind that were not refused with their line. */
  bad_rows_not_refused: { line: number; kind: HostileKind; stored: boolean }[];
}

function describeImport(dataDir: string, via: 'core' | 'cli', file: string, gen: HostileFile, summary: ImportSummary | null, error: string | null, seconds: number): HostileReport {
  return readOnly(dataDir, (db) => {
    const origin = fs.realpathSync(file);
    const importId = summary?.import_id ?? (db.prepare('SELECT max(id) AS id FROM imports').get() as { id: number }).id;
    const stored = db.prepare('SELECT s.line, s.url, u.image_id FROM source_rows s LEFT JOIN image_urls u ON u.url = s.url WHERE s.origin IN (?, ?)').all(origin, file) as { line: number; url: string; image_id: number | null }[];
    const byLine = new Map(stored.map((r) => [r.line, r]));
    const rowFailures = db.prepare("SELECT file, line, reason, detail FROM failures WHERE stage = 'row' AND (file IN (?, ?) OR import_id = ?)").all(origin, file, importId) as { file: string | null; line: number | null; reason: string; detail: string }[];
    const refusedLines = new Set(rowFailures.map((r) => r.line));
    const genLines = new Set(gen.rows.map((r) => r.line));
    const failedUrl = db.prepare("SELECT 1 FROM failures WHERE stage = 'fetch' AND url = ?");
    const isImage = db.prepare('SELECT 1 FROM image_urls WHERE url = ?');
    const urlFailures = db.prepare("SELECT url FROM failures WHERE stage = 'fetch' AND url IN (SELECT url FROM source_rows WHERE origin IN (?, ?))").all(origin, file) as { url: string }[];
    const traceable = db.prepare('SELECT 1 FROM source_rows WHERE url = ? AND origin IN (?, ?) LIMIT 1');
    const byKind: HostileReport['by_kind'] = {};
    const hostileStored: HostileReport['local_or_hostile_stored'] = [];
    const notRefused: HostileReport['bad_rows_not_refused'] = [];
    for (const r of gen.rows) {
      const k = (byKind[r.kind] ??= { rows: 0, stored: 0, with_image: 0, row_refused: 0, url_failed: 0 });
      k.rows++;
      const s = byLine.get(r.line);
      if (s) k.stored++;
      if (s?.image_id != null) k.with_image++;
      if (refusedLines.has(r.line)) k.row_refused++;
      if (failedUrl.get(r.url)) k.url_failed++;
      if (URL_REFUSED.has(r.kind) && isImage.get(r.url)) hostileStored.push({ line: r.line, kind: r.kind, url: r.url.slice(0, 120) });
      if (ROW_REFUSED.has(r.kind) && !refusedLines.has(r.line)) notRefused.push({ line: r.line, kind: r.kind, stored: Boolean(s) });
    }
    const reasons: Record<string, number> = {};
    for (const [k, v] of Object.entries(summary?.failures_by_reason ?? {})) reasons[k] = v ?? 0;
    return {
      via,
      file,
      lines: gen.rows.length,
      seconds: round(seconds, 2),
      error,
      rows_read: summary?.rows ?? 0,
      rows_stored: stored.length,
      rows_with_image: stored.filter((r) => r.image_id != null).length,
      images_new: summary?.images_new ?? 0,
      images_existing: summary?.images_existing ?? 0,
      failed_urls: summary?.failed ?? 0,
      failed_before: summary?.failed_before ?? 0,
      row_problems: summary?.row_problems ?? 0,
      failures_by_reason: reasons,
      row_refusals: rowFailures.length,
      row_refusals_with_file_and_line: rowFailures.filter((r) => r.file && r.line != null && r.line > 0 && r.reason && r.detail).length,
      row_refusals_line_matches_generator: rowFailures.filter((r) => r.line != null && genLines.has(r.line)).length,
      url_failures: urlFailures.length,
      url_failures_traceable_to_file_line: urlFailures.filter((u) => traceable.get(u.url, origin, file)).length,
      cr_joined_rows: gen.rows.filter((r) => r.crJoined).length,
      by_kind: byKind,
      local_or_hostile_stored: hostileStored,
      bad_rows_not_refused: notRefused,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// C: concurrent writers

type WriteKind = 'label' | 'import' | 'threshold' | 'train' | 'export';
interface WriterCall {
  kind: WriteKind;
  slot: number;
  ms: number;
  ok: boolean;
  message: string;
}

/** The URLs of the dev set's ratings file, in file order. */
function devSetUrls(): string[] {
  return fs
    .readFileSync(path.join(DEV_DIR, 'image_ratings.txt'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t')[1] as string);
}

async function concurrentWriters(opts: Options, dataDir: string, tmp: string, server: TestServer, imageIds: number[], log: (s: string) => void) {
  const calls: WriterCall[] = [];
  const lastLabel = new Map<number, string>();
  let runReady = false;
  let importNo = 0;
  let nextPicture = 100_000;
  const outRoot = path.join(tmp, 'exports');
  fs.mkdirSync(outRoot);
  const deadline = performance.now() + opts.seconds * 1000;
  const hardDeadline = performance.now() + opts.seconds * 4000;
  const started = new Set<WriteKind>();
  let trainDone = false;
  const devUrls = devSetUrls();

  const record = (slot: number, kind: WriteKind, r: CliResult): boolean => {
    const ok = r.code === 0;
    const j = parseJson(r.stdout);
    const err = j?.error as { message?: string } | undefined;
    const message = ok ? '' : `exit ${r.code}: ${err?.message ?? (r.stderr.trim().split('\n').pop() || r.stdout.trim().slice(0, 300))}`;
    calls.push({ kind, slot, ms: r.ms, ok, message });
    return ok;
  };

  const slot = async (s: number) => {
    const rand = mulberry32(opts.seed * 1000 + s);
    const mine = imageIds.filter((_, i) => i % opts.writers === s);
    if (s === 0) {
      // The training run: features computed once (signals only: no backbone), a linear head.
      const ok = record(s, 'train', await qc(dataDir, ['--json', 'train', '--features', 'signals', '--hidden', '0', '--augment', '0', '--folds', '2', '--epochs', '10']));
      if (ok) runReady = true;
      trainDone = true;
    }
    for (;;) {
      const now = performance.now();
      // Past the deadline, go on only until each kind has been called once (threshold and export wait for the run).
      const missing = (['label', 'import', 'threshold', 'export'] as const).filter((k) => !calls.some((c) => c.kind === k) && !started.has(k));
      if (now >= deadline && (missing.length === 0 || now >= hardDeadline || (trainDone && !runReady))) break;
      const x = rand();
      let kind: WriteKind = x < 0.5 ? 'label' : x < 0.7 ? 'import' : !runReady ? 'label' : x < 0.85 ? 'threshold' : 'export';
      if (now >= deadline) {
        const next = missing.find((k) => runReady || (k !== 'threshold' && k !== 'export'));
        if (!next) {
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        kind = next;
      }
      started.add(kind);
      if (kind === 'label') {
        const ids = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => mine[Math.floor(rand() * mine.length)] as number);
        const label = (['good', 'bad', 'none'] as const)[Math.floor(rand() * 3)] as string;
        if (record(s, kind, await qc(dataDir, ['--json', 'label', ...ids.map(String), '--as', label]))) for (const id of ids) lastLabel.set(id, label);
      } else if (kind === 'import') {
        const file = path.join(tmp, 'small', `small-${s}-${importNo++}.txt`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const rows = ['obj_with_overall_rating\tobj_url\toverall_rating\tancestry'];
        for (let i = 0; i < 6; i++) rows.push(`${6_000_000 + importNo * 100 + i}\t${server.base}/ok/${nextPicture++}.jpg\t${(1 + rand() * 4).toFixed(3)}\t{}`);
        for (let i = 0; i < 4; i++) rows.push(`${5_000_000 + importNo * 100 + i}\t${devUrls[Math.floor(rand() * devUrls.length)]}\t${(1 + rand() * 4).toFixed(3)}\t{}`);
        fs.writeFileSync(file, `${rows.join('\n')}\n`);
        record(s, kind, await qc(dataDir, ['--json', 'import', file, '--mirror', `${DEV_PREFIX}=${DATASET_IMAGES_DIR}/`]));
      } else if (kind === 'threshold') {
        record(s, kind, await qc(dataDir, ['--json', 'threshold', rand() < 0.2 ? 'auto' : (0.05 + rand() * 0.9).toFixed(3)]));
      } else {
        record(s, kind, await qc(dataDir, ['--json', 'export', '--out', path.join(outRoot, `s${s}-${calls.length}`)]));
      }
    }
  };

  log(`C: ${opts.writers} writer processes for ${opts.seconds} s…`);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.writers }, (_, s) => slot(s)));
  const seconds = (performance.now() - t0) / 1000;

  const kinds: WriteKind[] = ['label', 'import', 'threshold', 'train', 'export'];
  const perKind = Object.fromEntries(
    kinds.map((k) => {
      const cs = calls.filter((c) => c.kind === k);
      const ms = cs.map((c) => c.ms);
      return [k, { calls: cs.length, failures: cs.filter((c) => !c.ok).length, p50_ms: Math.round(pct(ms, 50)), p95_ms: Math.round(pct(ms, 95)) }];
    }),
  );
  const failures = calls.filter((c) => !c.ok).map((c) => ({ kind: c.kind, slot: c.slot, message: c.message }));

  // Afterwards: the database is whole, and every label a writer set last is the one held.
  const integrity = readOnly(dataDir, (db) => (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; '));
  const fkProblems = readOnly(dataDir, (db) => (db.pragma('foreign_key_check') as unknown[]).length);
  const held = readOnly(dataDir, (db) => {
    const q = db.prepare('SELECT label, origin FROM labels WHERE image_id = ?');
    const lost: { image_id: number; wrote: string; holds: string }[] = [];
    for (const [id, wrote] of lastLabel) {
      const r = q.get(id) as { label: string | null; origin: string } | undefined;
      const holds = r ? `${r.label ?? 'none'} (${r.origin})` : 'no label row';
      if (!r || r.origin !== 'curator' || (r.label ?? 'none') !== wrote) lost.push({ image_id: id, wrote, holds });
    }
    return lost;
  });
  const exportsWritten = fs.readdirSync(outRoot).length;
  return { seconds: round(seconds), writers: opts.writers, per_kind: perKind, failures, integrity_check: integrity, foreign_key_problems: fkProblems, labels_checked: lastLabel.size, labels_lost: held, export_folders: exportsWritten };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const log = (s: string) => {
    if (!opts.json) process.stderr.write(`${s}\n`);
  };
  const started = performance.now();
  // Other work on the machine inflates the latencies of part C: printed with them.
  const loadStart = os.loadavg().map((x) => round(x, 1));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-bench-hostile-'));
  const dataDir = path.join(tmp, 'data');
  const inputDir = path.join(tmp, 'input');
  const canaryDir = path.join(tmp, 'canary');
  fs.mkdirSync(inputDir);
  fs.mkdirSync(canaryDir);
  // Canaries: real JPEGs with a random marker after their end, outside the library. Any copy of the
  // marker in the library folder means a local file nobody chose was read.
  const marker = `QC-CANARY-${randomBytes(12).toString('hex')}`;
  const canaryBytes = Buffer.concat([fs.readFileSync(path.join(DATASET_IMAGES_DIR, '9000002.jpg')), Buffer.from(marker)]);
  const canary = path.join(canaryDir, 'canary.jpg');
  fs.writeFileSync(canary, canaryBytes);
  fs.writeFileSync(path.join(inputDir, 'canary.jpg'), canaryBytes);
  const server = await startServer(canary);
  const port = await closedPort();
  const problems: string[] = [];
  let exitCode = 0;

  try {
    // A. The dev set.
    log('A: importing the dev set…');
    const core = createCore({ dataDir });
    let devStatus;
    const devUrls = devSetUrls();
    let devLabelsBefore: Map<string, LabelRow>;
    let coreReport: HostileReport;
    try {
      const tA = performance.now();
      const dev = await core.call('library.import', { source: path.join(DEV_DIR, 'image_ratings.txt'), mirrors: [{ prefix: DEV_PREFIX, dir: `${DATASET_IMAGES_DIR}/` }] });
      devStatus = { seconds: round((performance.now() - tA) / 1000, 2), rows: dev.rows, images_new: dev.images_new, failed: dev.failed, labels: dev.labels };
      devLabelsBefore = labelsOf(dataDir, devUrls);

      // B1. The hostile file through the core.
      const common = { server: server.base, canary, canaryRelative: '../canary/canary.jpg', closedPort: port, pool: Math.max(20, Math.min(300, Math.floor(opts.lines / 15))) };
      const gen1 = hostileRatings({ lines: opts.lines, seed: opts.seed, ...common });
      const file1 = path.join(inputDir, 'hostile_ratings.txt');
      fs.writeFileSync(file1, gen1.bytes);
      log(`B: importing ${opts.lines} hostile rows (${(gen1.bytes.length / 1024 ** 2).toFixed(1)} MB) through the core…`);
      const tB = performance.now();
      let s1: ImportSummary | null = null;
      let e1: string | null = null;
      try {
        s1 = await core.call('library.import', { source: file1, timeoutMs: TIMEOUT_MS, retries: 0 });
      } catch (e) {
        const q = e as { message?: string; file?: string; line?: number; code?: string };
        e1 = `${q.code ?? 'error'}: ${q.message ?? String(e)}${q.file ? ` (file ${q.file}, line ${q.line})` : ''}`;
        if (!q.file || q.line == null) problems.push(`core import of the hostile file threw without file and line: ${e1}`);
      }
      coreReport = describeImport(dataDir, 'core', file1, gen1, s1, e1, (performance.now() - tB) / 1000);
    } finally {
      await core.close();
    }

    // B2. A second hostile file (seed + 1) through the CLI, in its own process.
    const gen2 = hostileRatings({ lines: opts.lines, seed: opts.seed + 1, server: server.base, canary, canaryRelative: '../canary/canary.jpg', closedPort: port, pool: Math.max(20, Math.min(300, Math.floor(opts.lines / 15))) });
    const file2 = path.join(inputDir, 'hostile_ratings_cli.txt');
    fs.writeFileSync(file2, gen2.bytes);
    log(`B: importing ${opts.lines} hostile rows through the CLI…`);
    const cli = await qc(dataDir, ['--json', 'import', file2, '--timeout', String(TIMEOUT_MS), '--retries', '0']);
    const cliJson = parseJson(cli.stdout);
    let cliError: string | null = null;
    if (cli.code !== 0 || !cliJson || 'error' in cliJson) {
      const err = cliJson?.error as { message?: string; file?: string; line?: number } | undefined;
      cliError = `exit ${cli.code}: ${err?.message ?? cli.stderr.trim().split('\n').pop() ?? ''}`;
      if (!err?.file || err.line == null) problems.push(`qc import of the hostile file failed without file and line: ${cliError}`);
    }
    const cliReport = describeImport(dataDir, 'cli', file2, gen2, cliJson && !('error' in cliJson) ? (cliJson as unknown as ImportSummary) : null, cliError, cli.ms / 1000);
    if (!cliJson) problems.push(`qc import --json did not print one JSON object (stdout: ${cli.stdout.slice(0, 200)})`);

    for (const r of [coreReport, cliReport]) {
      if (r.row_refusals_with_file_and_line < r.row_refusals) problems.push(`${r.via}: ${r.row_refusals - r.row_refusals_with_file_and_line} of ${r.row_refusals} refused rows do not name file, line and reason`);
      for (const s of r.local_or_hostile_stored) problems.push(`${r.via}: line ${s.line} (${s.kind}, ${s.url}) brought a picture into the library`);
      for (const s of r.bad_rows_not_refused) problems.push(`${r.via}: line ${s.line} (${s.kind}) was not refused with its line${s.stored ? ' (the row was stored)' : ''}`);
    }

    // Nothing stored was lost: every dev image keeps its label.
    const devLabelsAfter = labelsOf(dataDir, devUrls);
    const changed = devUrls.filter((u) => {
      const a = devLabelsBefore.get(u);
      const b = devLabelsAfter.get(u);
      return !a || !b || a.image_id !== b.image_id || a.label !== b.label || a.origin !== b.origin;
    });
    const count = (m: Map<string, LabelRow>) => ({ good: [...m.values()].filter((r) => r.label === 'good').length, bad: [...m.values()].filter((r) => r.label === 'bad').length, unlabeled: [...m.values()].filter((r) => r.label === null).length, images: m.size });
    const devCheck = { before: count(devLabelsBefore), after: count(devLabelsAfter), changed: changed.length };
    if (changed.length) problems.push(`${changed.length} dev-set images lost or changed their label after the hostile imports, e.g. ${changed.slice(0, 3).join(', ')}`);

    // No local file nobody chose was read: no copy of the canary or of /etc/passwd in the library, no local URL stored.
    const { canaryHits, passwdHits, filesScanned } = scanFor(dataDir, marker);
    const localUrls = readOnly(dataDir, (db) => db.prepare("SELECT url FROM image_urls WHERE url NOT LIKE 'http://%' AND url NOT LIKE 'https://%' AND url NOT LIKE 'data:%'").all() as { url: string }[]);
    const controlHits = await canaryControl(tmp, canary, marker);
    const canaryCheck = { files_scanned: filesScanned, canary_copies: canaryHits, passwd_copies: passwdHits, local_urls_stored: localUrls.map((u) => u.url.slice(0, 120)), control_copies: controlHits };
    if (!controlHits) problems.push('the canary scan found no copy of the canary even when it was imported on purpose (--allow-local): the scan proves nothing');
    if (canaryHits) problems.push(`${canaryHits} file(s) in the library hold the canary's bytes: a local file nobody chose was read`);
    if (passwdHits) problems.push(`${passwdHits} file(s) in the library hold /etc/passwd's bytes`);
    if (localUrls.length) problems.push(`local URLs stored as images: ${canaryCheck.local_urls_stored.join(', ')}`);

    // qc doctor's library checks (read-only).
    const doctor = await runDoctor({ dataDir, modelsDir: defaultModelsDir(), skipProviders: true });
    const libraryItems = doctor.items.filter((i) => i.id.startsWith('library'));
    for (const i of libraryItems) if (!i.ok) problems.push(`doctor ${i.id}: ${i.why}`);
    const integrityB = readOnly(dataDir, (db) => (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; '));
    if (integrityB !== 'ok') problems.push(`integrity_check after the hostile imports: ${integrityB}`);
    const requests = Object.fromEntries([...server.requests].sort());

    // C. Concurrent writers on the same library.
    const imageIds = devUrls.map((u) => devLabelsAfter.get(u)?.image_id).filter((x): x is number => x != null);
    const writers = await concurrentWriters(opts, dataDir, tmp, server, imageIds, log);
    for (const f of writers.failures) problems.push(`writer ${f.slot} ${f.kind} failed: ${f.message}`);
    for (const l of writers.labels_lost) problems.push(`image ${l.image_id}: a writer set it ${l.wrote} last, the library holds ${l.holds}`);
    if (writers.integrity_check !== 'ok') problems.push(`integrity_check after the writers: ${writers.integrity_check}`);
    if (writers.foreign_key_problems) problems.push(`${writers.foreign_key_problems} foreign key problems after the writers`);
    const doctorC = await runDoctor({ dataDir, modelsDir: defaultModelsDir(), skipProviders: true });
    for (const i of doctorC.items.filter((x) => x.id.startsWith('library'))) if (!i.ok) problems.push(`doctor after the writers, ${i.id}: ${i.why}`);

    const result = {
      seed: opts.seed,
      cores: os.availableParallelism(),
      load_average: { start: loadStart, end: os.loadavg().map((x) => round(x, 1)) },
      dev_import: devStatus,
      hostile: [coreReport, cliReport],
      dev_labels: devCheck,
      canary: canaryCheck,
      doctor: libraryItems.map((i) => ({ id: i.id, ok: i.ok, text: i.ok ? i.detail : i.why })),
      integrity_after_hostile: integrityB,
      server_requests: requests,
      writers,
      total_seconds: round((performance.now() - started) / 1000),
      data_dir: opts.keep ? dataDir : null,
      problems,
    };
    if (opts.json) console.log(JSON.stringify(result, null, 2));
    else print(result);
    if (problems.length) exitCode = 1;
  } finally {
    await server.close();
    if (!opts.keep) fs.rmSync(tmp, { recursive: true, force: true });
    else log(`kept ${tmp}`);
  }
  return exitCode;
}

function print(r: {
  seed: number;
  cores: number;
  load_average: { start: number[]; end: number[] };
  dev_import: { seconds: number; rows: number; images_new: number; failed: number; labels: { good: number; bad: number; unlabeled: number } } | undefined;
  hostile: HostileReport[];
  dev_labels: { before: Record<string, number>; after: Record<string, number>; changed: number };
  canary: { files_scanned: number; canary_copies: number; passwd_copies: number; local_urls_stored: string[]; control_copies: number };
  doctor: { id: string; ok: boolean; text: string | undefined }[];
  integrity_after_hostile: string;
  server_requests: Record<string, number>;
  writers: Awaited<ReturnType<typeof concurrentWriters>>;
  total_seconds: number;
  problems: string[];
}): void {
  const out: string[] = [];
  const d = r.dev_import;
  out.push(`bench:hostile (seed ${r.seed}, ${r.cores} cores, load average ${r.load_average.start.join(' ')} at the start, ${r.load_average.end.join(' ')} at the end)`);
  if (d) out.push(`A. dev set: ${d.rows} rows, ${d.images_new} images in ${d.seconds} s, ${d.failed} failed; labels good ${d.labels.good}, bad ${d.labels.bad}, unlabeled ${d.labels.unlabeled}`);
  for (const h of r.hostile) {
    out.push(`B. hostile file via ${h.via} (${h.lines} lines): ${h.seconds} s${h.error ? `; ERROR ${h.error}` : ''}`);
    out.push(`   rows read ${h.rows_read}, rows stored ${h.rows_stored}, rows with a picture ${h.rows_with_image}; images new ${h.images_new}, existing ${h.images_existing}`);
    out.push(`   refused rows ${h.row_refusals} (${h.row_refusals_with_file_and_line} name file+line+reason; ${h.row_refusals_line_matches_generator} at a line the generator wrote); failed URLs ${h.failed_urls} (${h.failed_before} failed before), ${h.url_failures_traceable_to_file_line}/${h.url_failures} traceable to file+line through their rows`);
    out.push(`   by reason: ${Object.entries(h.failures_by_reason).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
    out.push(`   rows joined by a lone CR: ${h.cr_joined_rows}`);
    out.push(`   ${'kind'.padEnd(24)} ${'rows'.padStart(5)} ${'stored'.padStart(6)} ${'picture'.padStart(7)} ${'refused'.padStart(7)} ${'URL failed'.padStart(10)}`);
    for (const k of HOSTILE_KINDS) {
      const v = h.by_kind[k];
      if (v) out.push(`   ${k.padEnd(24)} ${String(v.rows).padStart(5)} ${String(v.stored).padStart(6)} ${String(v.with_image).padStart(7)} ${String(v.row_refused).padStart(7)} ${String(v.url_failed).padStart(10)}`);
    }
  }
  out.push(`   dev labels before ${JSON.stringify(r.dev_labels.before)} after ${JSON.stringify(r.dev_labels.after)}; changed ${r.dev_labels.changed}`);
  out.push(`   canary: ${r.canary.files_scanned} library files scanned, canary copies ${r.canary.canary_copies}, /etc/passwd copies ${r.canary.passwd_copies}, local URLs stored ${r.canary.local_urls_stored.length} (control: the canary imported on purpose with --allow-local is found in ${r.canary.control_copies} file(s))`);
  out.push(`   doctor: ${r.doctor.map((i) => `${i.ok ? 'ok' : 'NOT OK'} ${i.id}`).join(', ')}; integrity_check ${r.integrity_after_hostile}`);
  out.push(`   test server requests: ${Object.entries(r.server_requests).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const w = r.writers;
  out.push(`C. ${w.writers} writer processes, ${w.seconds} s:`);
  out.push(`   ${'kind'.padEnd(10)} ${'calls'.padStart(6)} ${'failed'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}`);
  for (const [k, v] of Object.entries(w.per_kind)) out.push(`   ${k.padEnd(10)} ${String(v.calls).padStart(6)} ${String(v.failures).padStart(6)} ${String(v.p50_ms).padStart(8)} ${String(v.p95_ms).padStart(8)}`);
  for (const f of w.failures) out.push(`   failure: writer ${f.slot} ${f.kind}: ${f.message}`);
  out.push(`   integrity_check ${w.integrity_check}, foreign key problems ${w.foreign_key_problems}; labels checked ${w.labels_checked}, lost ${w.labels_lost.length}; export folders ${w.export_folders}`);
  out.push(`total ${r.total_seconds} s`);
  out.push(r.problems.length ? `PROMISES BROKEN (${r.problems.length}):\n${r.problems.map((p) => `  - ${p}`).join('\n')}` : 'all promises held');
  console.log(out.join('\n'));
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
