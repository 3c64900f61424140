/**
 * Another program training on a library (as `qc train` in a terminal would be): a separate Node
 * process that records a run `running` with the run store's own `create` (its pid and start as the
 * owner) and keeps living until killed. For the tests of what this process says about a run it does
 * not train.
 */
import path from 'node:path';
import { REPO_ROOT } from './fixtures';
import { startScript } from './killChild';

export interface TrainingProcess {
  /** The run it created, still `running` while it lives. */
  runId: number;
  pid: number;
  /** Kill it with SIGKILL and wait until it has exited; the signal that ended it. */
  kill(): Promise<NodeJS.Signals | null>;
}

export async function startTrainingElsewhere(dbFile: string): Promise<TrainingProcess> {
  const child = startScript(`
    import { openDatabase } from ${JSON.stringify(path.join(REPO_ROOT, 'src-main/core/db/open.ts'))};
    import { RunStore } from ${JSON.stringify(path.join(REPO_ROOT, 'src-main/core/ml/runs.ts'))};
    import { DEFAULT_TRAIN_PARAMS } from ${JSON.stringify(path.join(REPO_ROOT, 'src-shared/domain/ml.ts'))};
    const id = new RunStore(openDatabase(${JSON.stringify(dbFile)})).create(DEFAULT_TRAIN_PARAMS);
    process.stdout.write(String(id) + '\\n');
    setInterval(() => {}, 1000);
  `);
  const runId = Number(await child.firstLine());
  return { runId, pid: child.process.pid!, kill: () => child.kill() };
}
