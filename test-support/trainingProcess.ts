/**
 * Another program training on a library (as `qc train` in a terminal would be): a separate Node
 * process that records a run `running` with the run store's own `create` (its pid and start as the
 * owner) and keeps living until killed. For the tests of what this process says about a run it does
 * not train.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './fixtures';

export interface TrainingProcess {
  /** The run it created, still `running` while it lives. */
  runId: number;
  pid: number;
  /** Kill it with SIGKILL and wait until it has exited. */
  kill(): Promise<void>;
}

export async function startTrainingElsewhere(dbFile: string): Promise<TrainingProcess> {
  const script = `
    import { openDatabase } from ${JSON.stringify(path.join(REPO_ROOT, 'src-main/core/db/open.ts'))};
    import { RunStore } from ${JSON.stringify(path.join(REPO_ROOT, 'src-main/core/ml/runs.ts'))};
    import { DEFAULT_TRAIN_PARAMS } from ${JSON.stringify(path.join(REPO_ROOT, 'src-shared/domain/ml.ts'))};
    const id = new RunStore(openDatabase(${JSON.stringify(dbFile)})).create(DEFAULT_TRAIN_PARAMS);
    process.stdout.write(String(id) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const runId = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.on('exit', () => reject(new Error(`the training process ended: ${stderr}`)));
  });
  return {
    runId,
    pid: child.pid!,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
