#!/usr/bin/env node
// `npm run qc -- …`: the `qc` command line. Runs the prebuilt bundle out/cli/qc.js (scripts/build-cli.mjs),
// rebuilding it first when a source under src-main/ or src-shared/ is newer (esbuild, a fraction of a
// second); where it cannot be built, or with QC_FROM_SOURCE=1, runs src-main/cli/main.ts through tsx.
// Either way the same code in this process, with the same arguments.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function fromBundle() {
  if (process.env.QC_FROM_SOURCE === '1') return false;
  try {
    const { ensureCli, CLI_ENTRY } = await import('./build-cli.mjs');
    if (!(await ensureCli())) return false;
    await import(pathToFileURL(CLI_ENTRY).href);
    return true;
  } catch (e) {
    process.stderr.write(`qc: the prebuilt command line could not be built (${e instanceof Error ? e.message.split('\n')[0] : e}); running from source\n`);
    return false;
  }
}

if (!(await fromBundle())) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'src-main', 'cli', 'main.ts')).href);
}
