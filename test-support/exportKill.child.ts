/**
 * Test helper for src-main/core/export/export.kill.test.ts, run as a child process:
 *
 *   node --import tsx exportKill.child.ts KILL_OP KILL_AT UNDER -- (bundle DATA BUNDLE RUN OUT CHUNK_ROWS | cli ARGS…)
 *
 * SIGKILLs its own process just before the KILL_AT-th (1-based) file operation KILL_OP ('rename':
 * fs.renameSync; 'copy': fs.copyFileSync or fs.promises.copyFile) whose destination is under
 * UNDER: a real kill at a chosen point of an export. `bundle` runs exportBundle; `cli` runs qc.
 */
import fs from 'node:fs';
import path from 'node:path';

const [op, at, under, sep, mode, ...rest] = process.argv.slice(2);
if (sep !== '--' || !op || !at || !under || !mode) throw new Error('usage: KILL_OP KILL_AT UNDER -- (bundle …|cli …)');
let seen = 0;
const maybeKill = (to: unknown) => {
  const rel = path.relative(path.resolve(under), path.resolve(String(to)));
  if (rel.startsWith('..') || path.isAbsolute(rel)) return;
  if (++seen === Number(at)) process.kill(process.pid, 'SIGKILL');
};
if (op === 'rename') {
  const real = fs.renameSync;
  fs.renameSync = (from, to) => {
    maybeKill(to);
    real(from, to);
  };
} else {
  const realSync = fs.copyFileSync;
  fs.copyFileSync = (from, to, mode) => {
    maybeKill(to);
    realSync(from, to, mode);
  };
  const realAsync = fs.promises.copyFile;
  fs.promises.copyFile = async (from, to, mode) => {
    maybeKill(to);
    return realAsync(from, to, mode);
  };
}

if (mode === 'bundle') {
  const [data, bundleId, runId, out, chunkRows] = rest as [string, string, string, string, string];
  const { createCore } = await import('../src-main/core/app');
  const { exportBundle } = await import('../src-main/core/export/tags');
  const core = createCore({ dataDir: data });
  await exportBundle(core.context.db, { bundleId: Number(bundleId), runId: Number(runId), threshold: 0.7, outDir: out, chunkRows: Number(chunkRows), owners: core.context.paths.owners });
  await core.close();
} else {
  process.argv = [process.argv[0]!, 'qc', ...rest];
  await import('../src-main/cli/main');
}
