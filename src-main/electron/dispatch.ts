/**
 * The dispatcher the Electron window's calls go through: the core's, with the desktop shell's
 * methods (native dialogs) answered by the shell instead. No electron import: the shell passes
 * its handlers in, so this is tested over a real core without an Electron binary.
 */
import type { Handlers, HandlersOf } from '../../src-shared/contract/handlers';
import { checkArgs } from '../../src-shared/contract/schemas';
import { SHELL_SCHEMAS, type ShellApi, type ShellMethod } from '../../src-shared/contract/shell';
import type { Core } from '../core/app';

export type Dispatcher = Pick<Core, 'call' | 'handlers'>;

const isShellMethod = (m: string): m is ShellMethod => Object.prototype.hasOwnProperty.call(SHELL_SCHEMAS, m);

/** `core` with `shell`'s handlers in place of its `not_available` ones; their arguments are checked against contract/shell.ts. */
export function withShell(core: Dispatcher, shell: HandlersOf<ShellApi>): Dispatcher {
  const handlers: Handlers = { ...core.handlers, ...shell };
  return {
    handlers,
    async call(method, args, opts = {}) {
      if (!isShellMethod(method)) return core.call(method, args, opts);
      const parsed = checkArgs(method, SHELL_SCHEMAS[method], args);
      const handler = shell[method] as unknown as (a: unknown, c: { signal: AbortSignal; progress: () => void }) => Promise<never>;
      return handler(parsed, { signal: opts.signal ?? new AbortController().signal, progress: () => undefined });
    },
  } as Dispatcher;
}
