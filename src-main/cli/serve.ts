/**
 * `qc serve [--port N] [--no-open] [--renderer DIR]`: the app in a browser. Opens the library,
 * starts the local server and prints one line, `Open http://127.0.0.1:PORT/#token=…` (no `:80` on
 * port 80, as browsers write it), on stdout
 * (with --json: one JSON object `{ url, port, data_dir }`); runs until SIGINT, SIGTERM or SIGHUP,
 * then closes the server and the library.
 *
 * The server itself lives in src-main/server, which the cli layer does not import: the command's
 * composition root passes `startServer` in.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { QcError } from '../../src-shared/contract/errors';
import { createCore, type Core, type CoreOptions } from '../core/app';
import { dataDirOption, numberOption, portSchema, usage } from './options';
import { ignoreClosedTerminal, quitAtOnce, signalExitCode, STOP_SIGNALS, type StopSignal } from './stopSignals';

/** What `registerServeCommand` needs of the server (src-main/server's `startServer` fits). */
export type StartServer = (opts: { core: Core; rendererDir: string; port?: number }) => Promise<{ url: string; port: number; close(): Promise<void> }>;

/** electron-vite's renderer output in this checkout: `<repo>/out/renderer`. */
export function defaultRendererDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'out', 'renderer');
}

const portNumber = numberOption('--port', portSchema);

/**
 * `--renderer DIR`: a folder named on purpose must hold a built user interface (its `index.html`).
 * A mistyped one is refused at start, naming it (exit 2, as any option value that does not fit),
 * instead of serving a page that says the app is not built. Only this install's own `out/renderer`,
 * the default, may be missing: that page then says how to build it.
 */
export function rendererOption(dir: string): string {
  const resolved = path.resolve(dir);
  let folder: fs.Stats | undefined;
  let index: fs.Stats | undefined;
  try {
    folder = fs.statSync(resolved);
    index = fs.statSync(path.join(resolved, 'index.html'));
  } catch {
    // said below
  }
  if (!folder) throw usage(`--renderer: no folder ${resolved}`);
  if (!folder.isDirectory()) throw usage(`--renderer: ${resolved} is not a folder`);
  if (!index?.isFile()) throw usage(`--renderer: no index.html in ${resolved} (name the folder of a built user interface, such as out/renderer after npm run build)`);
  return resolved;
}

/**
 * How to name another library folder, added by the CLI to the core's refusal of one (openErrors.ts,
 * store.ts `checkLibraryFolder`: "… Choose another folder."): the core's words serve the app, which
 * has a folder chooser; `qc` and browser mode (`qc serve`, `npm start` without Electron) have only
 * the option and the variable.
 */
export const OTHER_FOLDER_HINT = {
  serve: 'Start with another folder: --data DIR or QC_DATA_DIR=DIR (npm start -- --data DIR).',
  command: 'Name another folder with --data DIR or QC_DATA_DIR=DIR.',
} as const;

/**
 * `createCore` for a `qc` command: a library folder or database it cannot create or open (a
 * `bad_input` from opening) is refused with the core's words and {@link OTHER_FOLDER_HINT}'s way out.
 */
export function openLibraryForCli(opts: CoreOptions, hint: string): Core {
  try {
    return createCore(opts);
  } catch (e) {
    if (e instanceof QcError && e.code === 'bad_input') throw new QcError('bad_input', `${e.message} ${hint}`, { ...(e.file !== undefined && { file: e.file }), ...(e.line !== undefined && { line: e.line }), ...(e.detail !== undefined && { detail: e.detail }) });
    throw e;
  }
}

/**
 * A page that sends the browser on to `url`, in a folder only this user can read (0700, file 0600).
 * The browser opener is given this file, never the URL: a command line is visible to every user
 * of the machine (`ps`), and the URL carries the session token. Returns the file and a cleanup.
 */
export function writeLaunchPage(url: string): { file: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qc-serve-'));
  fs.chmodSync(dir, 0o700);
  const file = path.join(dir, 'open.html');
  const target = JSON.stringify(url).replace(/</g, '\\u003c');
  fs.writeFileSync(
    file,
    `<!doctype html><meta charset="utf-8"><title>Quality Curator</title><script>location.replace(${target})</script><p>Opening Quality Curator…</p>\n`,
    { mode: 0o600 },
  );
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Best effort: open the app in the default browser, through a launch page (writeLaunchPage) so the
 * token never appears in a process command line; failures are ignored. Returns the cleanup.
 */
export function openBrowser(url: string): () => void {
  let page: ReturnType<typeof writeLaunchPage>;
  try {
    page = writeLaunchPage(url);
  } catch {
    return () => {}; // no private temp folder: the printed link is enough
  }
  const target = pathToFileURL(page.file).href;
  const [cmd, args]: [string, string[]] =
    process.platform === 'darwin' ? ['open', [target]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', target]] : ['xdg-open', [target]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true, windowsHide: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no browser opener here: the printed link is enough
  }
  return page.remove;
}

/**
 * Resolves with the first SIGINT, SIGTERM or SIGHUP (the terminal closed: the server stops as on
 * SIGTERM, cancelling what it runs, not killed with an import left `running`); a second while
 * shutting down quits at once (stopSignals.ts quitAtOnce).
 */
function untilSignal(): Promise<StopSignal> {
  return new Promise((resolve) => {
    let got: StopSignal | null = null;
    const on = (signal: StopSignal) => {
      if (got) return quitAtOnce(signal);
      got = signal;
      if (signal === 'SIGHUP') ignoreClosedTerminal();
      resolve(signal);
    };
    for (const s of STOP_SIGNALS) process.on(s, on);
  });
}

export function registerServeCommand(program: Command, startServer: StartServer): void {
  program
    .command('serve')
    .description('use the app in a browser: a local server on 127.0.0.1 with a one-session link')
    .option('--port <n>', 'port to listen on (0: any free port)', portNumber, 0)
    .option('--no-open', 'do not open a browser, only print the link')
    .option('--renderer <dir>', 'the built user interface, a folder holding its index.html (default: out/renderer of this checkout)', rendererOption)
    .action(async (o: { port: number; open: boolean; renderer?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<{ data?: string; json?: boolean }>();
      const dataDir = dataDirOption(g.data).dir;
      const rendererDir = o.renderer ?? path.resolve(defaultRendererDir());
      const core = openLibraryForCli({ dataDir, warm: true }, OTHER_FOLDER_HINT.serve);
      let server: Awaited<ReturnType<StartServer>>;
      try {
        server = await startServer({ core, rendererDir, port: o.port });
      } catch (e) {
        await core.close();
        // Something the user can fix (bad_input, exit 1), not a failure of qc (internal).
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new QcError('bad_input', `port ${o.port} is in use (try --port 0 for any free port)`);
        throw e;
      }
      const signal = untilSignal();
      process.stdout.write(g.json ? `${JSON.stringify({ url: server.url, port: server.port, data_dir: core.context.paths.root })}\n` : `Open ${server.url}\n`);
      process.stderr.write(`qc serve: library ${core.context.paths.root}; Ctrl-C to stop\n`);
      const removeLaunchPage = o.open ? openBrowser(server.url) : () => {};
      const got = await signal;
      process.stderr.write(`qc serve: ${got}, stopping\n`);
      try {
        removeLaunchPage();
        await server.close();
      } finally {
        await core.close();
      }
      // Ctrl-C exits 130 and SIGHUP 129, as every other command (a script can tell them from a clean
      // end); SIGTERM, the way to stop a server, 0.
      if (got !== 'SIGTERM') process.exitCode = signalExitCode(got);
    });
}
