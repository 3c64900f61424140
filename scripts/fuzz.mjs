#!/usr/bin/env node
// `npm run fuzz`: every *.fuzz.test.ts property for QC_FUZZ_SECONDS (default 60) seconds each
// (the normal suite runs the same properties for a few hundred cases).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const seconds = process.env.QC_FUZZ_SECONDS || '60';
const r = spawnSync(process.execPath, [vitest, 'run', '.fuzz.test.', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, QC_FUZZ_SECONDS: seconds },
});
process.exit(r.status ?? 1);
