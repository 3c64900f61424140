/**
 * What only the desktop shell can do, as optional API methods: native open and save dialogs for
 * the renderer's import and export pickers. The Electron shell answers them; every other
 * transport (browser mode, the CLI) answers with error code `not_available`, so the page falls
 * back to typing a path or dropping files.
 */
import { z } from 'zod';

export interface DialogFilter {
  name: string;
  /** Without dots, e.g. ['tsv', 'txt']; ['*'] for all files. */
  extensions: string[];
}

export interface OpenDialogArgs {
  /** Pick files or a folder. */
  select: 'file' | 'folder';
  multiple?: boolean;
  title?: string;
  /** Where the dialog starts (a folder or file path). */
  defaultPath?: string;
  filters?: DialogFilter[];
}

export interface SaveDialogArgs {
  title?: string;
  defaultPath?: string;
  filters?: DialogFilter[];
}

export interface ShellApi {
  /** A native open dialog; `paths` is empty when the user cancels. Desktop app only (else `not_available`). */
  'shell.openDialog': { args: OpenDialogArgs; result: { paths: string[] } };
  /** A native save dialog; `path` is null when the user cancels. Desktop app only (else `not_available`). */
  'shell.saveDialog': { args: SaveDialogArgs; result: { path: string | null } };
}

export type ShellMethod = keyof ShellApi;

export const NOT_AVAILABLE_MESSAGE = 'native dialogs exist only in the desktop app: type a path or drop files instead';

const text = z.string().min(1).max(1000);
const path = z.string().min(1).max(8192).refine((s) => !s.includes('\0'), 'must not contain a NUL byte');
const filters = z
  .array(z.strictObject({ name: text, extensions: z.array(z.string().regex(/^(\*|[A-Za-z0-9_-]{1,16})$/, 'an extension without a dot, or *')).min(1).max(50) }))
  .max(20)
  .optional();

/** The arguments' schemas (the dispatcher checks every call against its method's schema). */
export const SHELL_SCHEMAS = {
  'shell.openDialog': z.strictObject({ select: z.enum(['file', 'folder']), multiple: z.boolean().optional(), title: text.optional(), defaultPath: path.optional(), filters }),
  'shell.saveDialog': z.strictObject({ title: text.optional(), defaultPath: path.optional(), filters }),
};
