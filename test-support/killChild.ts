/**
 * The harness of the tests that kill a process half way: start a child (a `qc` command, a script,
 * any file run through tsx), wait until it reaches a point (`poll`/`waitFor` on what it leaves, or
 * its first line on stdout), SIGKILL it, then reopen the library and check what it left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './fixtures';

export interface KillableChild {
  process: ChildProcess;
  /** What it has written to stdout so far. */
  stdout(): string;
  /** What it has written to stderr so far (for the messages of assertions). */
  stderr(): string;
  /** True until it has exited. */
  alive(): boolean;
  /** Resolves when it has exited: its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line it writes to stdout; rejects, with its stderr, if it exits first. */
  firstLine(): Promise<string>;
  /** SIGKILL it (its whole process group when started `detached`); resolves with the signal that ended it. */
  kill(): Promise<NodeJS.Signals | null>;
}

export interface StartOptions {
  /** A command the node process runs under (e.g. `unshare --pid --fork …`). */
  wrap?: string[];
  /** In a process group of its own, which `kill` kills whole. */
  detached?: boolean;
}

/** Starts `node --import tsx …args` in the repository root. */
export function startNode(args: string[], options: StartOptions = {}): KillableChild {
  const [cmd, ...rest] = [...(options.wrap ?? []), process.execPath, '--import', 'tsx', ...args];
  const child = spawn(cmd!, rest, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    alive,
    exited,
    firstLine: () =>
      new Promise<string>((resolve, reject) => {
        const look = () => {
          if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
        };
        child.stdout!.on('data', look);
        look();
        void exited.then(() => {
          look();
          reject(new Error(`the child ended: ${stderr}`));
        });
      }),
    async kill() {
      if (alive()) {
        try {
          if (!options.detached) throw new Error('not a group');
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
      return (await exited).signal;
    },
  };
}

/** Starts an ES module script (`node --import tsx --input-type=module -e script`). */
export function startScript(script: string): KillableChild {
  return startNode(['--input-type=module', '-e', script]);
}

/** Starts `qc --data dataDir …args` (src-main/cli/main.ts). */
export function startQc(dataDir: string, args: string[], options: StartOptions = {}): KillableChild {
  return startNode([path.join(REPO_ROOT, 'src-main/cli/main.ts'), '--data', dataDir, ...args], options);
}

/** Calls `get` every 20 ms until it gives something truthy, or `ms` have passed; what it last gave. */
export async function poll<T>(get: () => T | undefined | null | false, ms = 30_000): Promise<T | undefined | null | false> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v || Date.now() >= deadline) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** As poll, but rejects naming `what` when the time runs out. */
export async function waitFor<T>(what: string, get: () => T | undefined | null | false, ms = 30_000): Promise<T> {
  const v = await poll(get, ms);
  if (!v) throw new Error(`timed out waiting for ${what}`);
  return v;
}
