#!/usr/bin/env node
/**
 * `qc`: the command line over the same core as the app. A thin adapter: parse arguments,
 * call one API method, print JSON (--json: exactly one object on stdout) or human text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option, type HelpContext } from 'commander';
import { QcError, describeError, toErrorShape, type QcErrorShape } from '../../src-shared/contract/errors';
import { folderDecidedText, parseLabelValue, type RatingClass } from '../../src-shared/domain/label';
import { IMPORT_KINDS } from '../../src-shared/domain/library';
import type { ImportArgs } from '../../src-shared/contract/handlers';
import type { Core } from '../core/app';
import { parseMirror, tagFilesAt } from '../core/library/importer';
import { importTagsInParts } from '../core/ml/tagImport';
import { libraryPaths } from '../core/paths';
import { formatFailures, formatImport, formatLabelBatch, formatSources, formatStatus, formatTagMerge, KEPT_WHEN_CANCELLED } from './format';
import { progressView } from './progress';
import { registerMlCommands } from './ml';
import { OTHER_FOLDER_HINT, openLibraryForCli, registerServeCommand } from './serve';
import { registerDoctorCommand } from './doctor';
import { registerSeedFileCommands } from './seedFiles';
import { guardOutput, ignoreClosedTerminal, quitAtOnce, signalExitCode, STOP_SIGNALS, type StopSignal } from './stopSignals';
import { startServer } from '../server/server';
import { API_SCHEMAS, id } from '../../src-shared/contract/schemas';
import { dataDirOption, numberListOption, numberOption, optionValue, sourceArg, usage } from './options';
import type { JobProgress } from '../../src-shared/contract/events';

interface GlobalOptions {
  data?: string;
  json?: boolean;
}

const collect = (value: string, prev: string[]) => [...prev, value];
/** Option values obey the API's schemas (options.ts): a wrong one is one line naming the option. */
const importShape = API_SCHEMAS['library.import'].shape;

/**
 * A failure as `--json` promises it (exactly one JSON object on stdout):
 * `{"error": {"code", "message", "file"?, "line"?, "detail"?}}`. The line on stderr is written too.
 */
function printJsonError(shape: QcErrorShape): void {
  process.stdout.write(`${JSON.stringify({ error: shape })}\n`);
}

/** The commands that only read the library (`qc run --graphs` and `qc export` write outside it): they refuse a named folder that holds none. */
const READ_ONLY_COMMANDS = new Set(['status', 'sources', 'failures', 'runs', 'run', 'issues', 'export']);

/** How the human text of a call cut short by Ctrl-C (or another stopping signal, or `qc cancel`) begins. */
const CANCELLED = 'Cancelled: ';

/** What the first stopping signal says on stderr. */
function cancellingLine(signal: StopSignal): string {
  return signal === 'SIGINT' ? 'qc: cancelling (Ctrl-C again to quit at once)…' : `qc: ${signal}: cancelling (${signal} again to quit at once)…`;
}

/**
 * How `withCore` prints an answer: `cancelled` says whether the answer is of work cancelled from
 * elsewhere (`qc cancel`, the app), which is printed as one cancelled by a signal.
 */
export interface AnswerOptions<T> {
  cancelled?: (result: T) => boolean;
  /** What a cancel keeps, said after "qc: cancelled" (work that continues where it stopped when run again). */
  kept?: string;
}


/** Open the library, run `fn`, print its result, and close. */
async function withCore<T>(
  cmd: Command,
  fn: (core: Core, signal: AbortSignal, onProgress: (p: JobProgress) => void) => Promise<T>,
  human: (r: T) => string,
  answer: AnswerOptions<T> = {},
): Promise<void> {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const data = dataDirOption(opts.data);
  // A command that only reads never makes a library: a mistyped --data would make every folder of
  // its path, or a database beside someone's photos.
  if (data.chosen && READ_ONLY_COMMANDS.has(cmd.name()) && !fs.existsSync(libraryPaths(data.dir).db)) throw new QcError('not_found', `no library in ${path.resolve(data.dir)}`);
  const core = openLibraryForCli({ dataDir: data.dir }, OTHER_FOLDER_HINT.command);
  const controller = new AbortController();
  let stoppedBy: StopSignal | null = null;
  const onSignal = (signal: StopSignal) => {
    if (stoppedBy) quitAtOnce(signal);
    stoppedBy = signal;
    if (signal === 'SIGHUP') ignoreClosedTerminal();
    process.stderr.write(`\n${cancellingLine(signal)}\n`);
    controller.abort();
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  const view = progressView();
  try {
    let result: T;
    try {
      // A rule change another `qc` left unfinished is finished first (the library opened is taking
      // it up in the background: app.ts), its progress shown and Ctrl-C stopping it: a command
      // reads the labels the stored rule gives, never a mix of two rules.
      // The bar is stopped however this ends: a bar left running (a Ctrl-C while the rule change
      // was being finished) kept the process alive with the cursor hidden.
      result = await core
        .settleLabels({ signal: controller.signal, onProgress: view.update })
        .then(() => {
          if (controller.signal.aborted) throw new QcError('cancelled', 'cancelled');
          return fn(core, controller.signal, view.update);
        })
        .finally(() => view.stop());
    } catch (e) {
      // Cancelled by a signal: whether the call then returned what it had done or gave up with an
      // error, a script sees 128 + the signal (130 for Ctrl-C), like every other cancelled command.
      if (!stoppedBy) throw e;
      process.stderr.write(`qc: cancelled${answer.kept ? `; ${answer.kept}` : ''}\n`);
      if (opts.json) printJsonError({ code: 'cancelled', message: 'cancelled' });
      process.exitCode = signalExitCode(stoppedBy);
      return;
    }
    // Cancelled by a signal (or from elsewhere: `answer.cancelled`) and the call came back with what
    // it had done: one rule for every command, whatever its answer says of itself: --json adds
    // "cancelled": true, the text starts with "Cancelled: ", and the exit status is 128 + the signal
    // (130 when cancelled from elsewhere, as after Ctrl-C).
    const aborted = stoppedBy !== null || (answer.cancelled?.(result) ?? false);
    if (opts.json) {
      const shown = aborted && result !== null && typeof result === 'object' && !Array.isArray(result) ? { ...result, cancelled: true } : result;
      process.stdout.write(`${JSON.stringify(shown)}\n`);
    } else {
      const text = human(result);
      process.stdout.write(`${aborted && !text.startsWith(CANCELLED) ? CANCELLED : ''}${text}\n`);
    }
    if (aborted) process.exitCode = signalExitCode(stoppedBy ?? 'SIGINT');
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    await core.close();
  }
}

export function buildProgram(): Command {
  // exitOverride and the output before any subcommand exists: commander copies them to each one as
  // it is made, so a usage error of a subcommand throws (exit 2 in main) instead of calling
  // process.exit(1) itself, and is one line `qc: <what is wrong>` (not commander's "error: ").
  const program = new Command('qc')
    .exitOverride()
    .description('Quality Curator: curate image-quality labels for the Encyclopedia of Life')
    .option('--data <dir>', 'library folder (env QC_DATA_DIR; default: the app-data folder)')
    .option('--json', 'print exactly one JSON object on stdout (a failure too: {"error": {"code", "message", …}})')
    .configureOutput({ outputError: (str, write) => write(`qc: ${usageMessage(str)}`) });

  program
    .command('import')
    .description('import a ratings, exemplar or bundle file, a URL list, or a folder of images')
    .argument('[source]', 'file, folder or http(s) URL of a list file (omit with --retry-failed to retry every failure)')
    .addOption(new Option('--kind <kind>', 'what the source is (detected when omitted)').choices([...IMPORT_KINDS]))
    .option('--mirror <PREFIX=DIR>', 'read URLs starting with PREFIX from files under DIR (repeatable)', collect, [])
    .option('--concurrency <n>', 'parallel downloads, 1-64 (omitted: the importer\'s default)', numberOption('--concurrency', importShape.concurrency))
    .option('--timeout <ms>', 'per-request time limit in milliseconds', numberOption('--timeout', importShape.timeoutMs))
    .option('--retries <n>', 'retries after a failed request (5xx, timeout, reset; 0-10)', numberOption('--retries', importShape.retries))
    .option('--retry-failed', 'also try again the URLs that failed before')
    .option('--allow-local', 'read file: URLs named by a local input file (never from a list downloaded over HTTP)')
    .option('--run <id>', 'tag files (<bundle>_a.tsv, _finaltags.tsv): the run their predictions belong to (default: the active run)', numberOption('--run', id))
    .action(async (source: string | undefined, o: { kind?: ImportArgs['kind']; mirror: string[]; concurrency?: number; timeout?: number; retries?: number; retryFailed?: boolean; allowLocal?: boolean; run?: number }, cmd: Command) => {
      // A missing argument as commander words one: the line and the pointer to the command's help (exit 2).
      if (!source && !o.retryFailed) cmd.error("missing required argument 'source' (or --retry-failed to retry every failure)", { code: 'commander.missingArgument', exitCode: 2 });
      if (source) source = sourceArg(source);
      // Tag TSVs written by qc classify (here or on other machines, --shard): merge their predictions
      // through ml.importTags, into --run's run if given. The core's detector and merge, as
      // library.import uses them for the app (which merges into the active run only).
      const tagFiles = source && !o.kind ? tagFilesAt(source) : [];
      // An option that does not apply to what is imported is a usage error naming it, never ignored.
      if (tagFiles.length) {
        const downloadOnly = [
          ['--mirror', o.mirror.length > 0],
          ['--concurrency', o.concurrency !== undefined],
          ['--timeout', o.timeout !== undefined],
          ['--retries', o.retries !== undefined],
          ['--retry-failed', Boolean(o.retryFailed)],
          ['--allow-local', Boolean(o.allowLocal)],
        ] as const;
        const given = downloadOnly.find(([, set]) => set);
        if (given) throw usage(`${given[0]} does not apply to tag files (their predictions are merged, nothing is downloaded)`);
      } else if (o.run !== undefined) {
        throw usage('--run applies only to tag files (<bundle>_a.tsv, _finaltags.tsv)');
      }
      if (tagFiles.length) {
        await withCore(
          cmd,
          (core, signal, onProgress) =>
            importTagsInParts(tagFiles, o.run, signal, (part, runId) => core.call('ml.importTags', { files: part, ...(runId !== undefined && { runId }) }, { signal, onProgress })),
          formatTagMerge,
        );
        return;
      }
      const args = {
        mirrors: o.mirror.map(optionValue('--mirror', parseMirror)),
        ...(o.concurrency !== undefined && { concurrency: o.concurrency }),
        ...(o.timeout !== undefined && { timeoutMs: o.timeout }),
        ...(o.retries !== undefined && { retries: o.retries }),
        ...(o.allowLocal && { allowLocal: true }),
      };
      await withCore(
        cmd,
        (core, signal, onProgress) =>
          source
            ? core.call('library.import', { ...args, source, ...(o.kind && { kind: o.kind }), retryFailed: Boolean(o.retryFailed) }, { signal, onProgress })
            : core.call('library.retryFailed', args, { signal, onProgress }),
        formatImport,
        { kept: KEPT_WHEN_CANCELLED.import },
      );
    });

  program
    .command('status')
    .description('what the library holds')
    .action(async (_o, cmd: Command) => withCore(cmd, (core) => core.call('library.status', {}), formatStatus));

  program
    .command('sources')
    .description('list the imports and bundles with their ids (qc export --bundle ID)')
    .action(async (_o, cmd: Command) => withCore(cmd, (core) => core.call('library.sources', {}), formatSources));

  program
    .command('failures')
    .description('list what could not be imported, with reasons')
    .option('--limit <n>', 'at most this many (omitted: the core\'s default)', numberOption('--limit', API_SCHEMAS['library.failures'].shape.limit))
    .action(async (o: { limit?: number }, cmd: Command) => withCore(cmd, (core) => core.call('library.failures', o.limit === undefined ? {} : { limit: o.limit }), formatFailures));

  program
    .command('label')
    .description('set the label of images (a curator label: imports never overwrite it)')
    .argument('<image-id...>', 'image ids')
    .requiredOption('--as <label>', 'good, bad or none')
    .action(async (ids: string[], o: { as: string }, cmd: Command) => {
      const label = optionValue('--as', parseLabelValue)(o.as);
      const imageIds = ids.map(numberOption('image id', id));
      await withCore(cmd, (core) => core.call('labels.set', { imageIds, label }), (r) => formatLabelBatch(r, 'label'));
    });

  program
    .command('undo')
    .description('undo the last curator label change, or the one of a batch id (refused if its labels were changed since)')
    .argument('[batch-id]', 'the batch id `qc label` printed (default: the newest curator change of the library)')
    .action(async (batch: string | undefined, _o, cmd: Command) => {
      const args = batch === undefined ? {} : { batchId: numberOption('batch id', id)(batch) };
      await withCore(cmd, (core) => core.call('labels.undo', args), (r) => formatLabelBatch(r, 'undo'));
    });

  program
    .command('rule')
    .description('show or change how rating classes aggregate to labels (import labels are re-derived; curator labels kept)')
    .option('--bad <classes>', 'comma-separated classes that are bad, e.g. 1,2')
    .option('--good <classes>', 'comma-separated classes that are good, e.g. 4,5')
    .option('--exemplar <label>', 'label of exemplars: good, bad or none')
    .action(async (o: { bad?: string; good?: string; exemplar?: string }, cmd: Command) => {
      const ratingClass = API_SCHEMAS['labels.setRule'].shape.rule.shape.bad.element;
      const classes = (flag: string, s: string): RatingClass[] => numberListOption(flag, ratingClass, s);
      // Every value is checked before the library is touched (a usage error, 2), and --bad and --good
      // naming the same class do not go together.
      const bad = o.bad !== undefined ? classes('--bad', o.bad) : undefined;
      const good = o.good !== undefined ? classes('--good', o.good) : undefined;
      const exemplar = o.exemplar !== undefined ? optionValue('--exemplar', parseLabelValue)(o.exemplar) : undefined;
      if (bad && good) {
        const both = bad.filter((c) => good.includes(c));
        if (both.length) throw usage(`--bad and --good both name class ${both.join(',')}`);
      }
      await withCore(
        cmd,
        async (core, signal, onProgress) => {
          const current = await core.call('labels.getRule', {});
          if (bad === undefined && good === undefined && exemplar === undefined) return { rule: current, relabelled: 0 };
          const rule = { bad: bad ?? current.bad, good: good ?? current.good, exemplar: exemplar !== undefined ? exemplar : current.exemplar };
          return core.call('labels.setRule', { rule }, { signal, onProgress });
        },
        (r) =>
          `bad: ${r.rule.bad.join(',') || '-'}; good: ${r.rule.good.join(',') || '-'}; exemplars: ${r.rule.exemplar ?? 'none'}${r.relabelled || r.unfinished ? `\n${r.relabelled} import labels changed` : ''}${
            r.unfinished ? ' so far; the rule is stored, and the other import labels follow it the next time the library is opened (by any qc command, qc serve or the app)' : ''
          }${'folder_decided' in r && r.folder_decided ? `\n${folderDecidedText(r.folder_decided)}` : ''}`,
      );
    });

  registerMlCommands(program, withCore);
  registerSeedFileCommands(program, withCore);
  registerServeCommand(program, startServer);
  registerDoctorCommand(program);
  // A usage error is its line and where to read more, not the whole help.
  program.showHelpAfterError('(see qc --help)');
  // `qc` with no command is such a line too (commander would print the whole help on stderr and
  // exit 0): one line, the pointer, exit 2, and with --json the error object. `qc --help` and
  // `qc help` are unchanged (the help on stdout, exit 0).
  const help = program.help.bind(program);
  program.help = ((context?: HelpContext) => {
    if (context?.error) {
      // No command at all, or `qc help NAME` of no command.
      const named = program.args.at(-1);
      program.error(named === undefined ? 'missing command' : `unknown command '${named}'`, { code: 'commander.missingCommand', exitCode: 2 });
    }
    return help(context);
  }) as typeof program.help;
  for (const c of program.commands) c.showHelpAfterError(`(see qc ${c.name()} --help)`);
  return program;
}

/** Commander's error text without its "error: " prefix. */
function usageMessage(text: string): string {
  return text.replace(/^error: /, '');
}

/** Whether --json was asked for: as parsed, or, for a usage error met before it was parsed, as written (before `--`). */
function jsonAsked(program: Command, argv: string[]): boolean {
  if (program.opts<GlobalOptions>().json) return true;
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).includes('--json');
}

export type WithCore = typeof withCore;

async function main(argv: string[]): Promise<void> {
  // Output with nowhere to go (`| head`, a closed terminal) is dropped quietly (stopSignals.ts).
  guardOutput();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // Commander has written the line on stderr (configureOutput above).
      if (jsonAsked(program, argv)) printJsonError({ code: 'invalid_argument', message: usageMessage((e as Error).message) });
      process.exitCode = 2;
      return;
    }
    const shape = toErrorShape(e);
    process.stderr.write(`qc: ${describeError(shape)}\n`);
    if (jsonAsked(program, argv)) printJsonError(shape);
    process.exitCode = shape.code === 'invalid_argument' ? 2 : 1;
  }
}

void main(process.argv);
