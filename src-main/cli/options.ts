/**
 * Command-line option values, checked by the same schemas as the API (src-shared/contract/schemas.ts):
 * commander parses the command line, these turn one option's text into a value or throw a QcError
 * `invalid_argument` naming the option, which `qc` prints as one line (exit code 2), never a stack.
 *
 * Numbers are plain decimals only: `Number()` would also read "0x10", "0b1", "" (0) and " ".
 */
import path from 'node:path';
import { z } from 'zod';
import { QcError } from '../../src-shared/contract/errors';
import { parseOption } from '../../src-shared/contract/schemas';
import { isHttpUrl } from '../../src-shared/domain/library';
import { plainDecimal } from '../../src-shared/domain/tsv';
import { defaultDataDir } from '../core/paths';

/** The number a decimal text means (tsv.ts plainDecimal), or a QcError naming the option. */
export function decimal(option: string, text: string): number {
  const v = plainDecimal(text);
  if (Number.isNaN(v)) throw new QcError('invalid_argument', `${option}: expected a number, got "${text}"`);
  return v;
}

/** A commander argument parser: a decimal checked against `schema` (e.g. one field of an API schema). */
export function numberOption(option: string, schema: z.ZodType<number | undefined>): (text: string) => number {
  return (text) => parseOption(option, schema, decimal(option, text), text) as number;
}

/**
 * A comma-separated list of decimals, each checked against `item`; an empty text is the empty list.
 * An empty item (`1,,2`, `1,`) and a value named twice (`1,1`) are refused, as a value that does
 * not fit is: each is a slip, not a list.
 */
export function numberListOption<T>(option: string, item: z.ZodType<T>, text: string): T[] {
  const values = listItems(option, text).map((s) => parseOption(option, item, decimal(option, s), s));
  return distinct(option, values, text);
}

/** A comma-separated list's items, trimmed (an empty text: none), or a usage error naming the option for an empty item. */
export function listItems(option: string, text: string): string[] {
  if (!text.trim()) return [];
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => !s)) throw usage(`${option}: an empty item in "${text}"`);
  return items;
}

/** `values` when no value is named twice, else a usage error naming the option and the value. */
export function distinct<T>(option: string, values: T[], text: string): T[] {
  const twice = values.find((v, i) => values.indexOf(v) !== i);
  if (twice !== undefined) throw usage(`${option}: ${String(twice)} is named twice in "${text}"`);
  return values;
}

/**
 * A local path argument as the API takes it: absolute, resolved against the folder `qc` was started
 * in (the API refuses relative paths, which would depend on where the core runs).
 */
export function localPath(p: string): string {
  return path.resolve(p);
}

/** An input argument: an http(s) URL as given, a local file or folder resolved ({@link localPath}); another scheme (ftp:, file:) is refused, not read as a folder named "ftp:". */
export function sourceArg(s: string): string {
  if (isHttpUrl(s)) return s;
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(s)) throw usage(`${s}: only http(s) URLs are downloaded; give a local file as a path`);
  return localPath(s);
}

/** A TCP port to listen on (0: any free port). */
export const portSchema = z.int().min(0).max(65535);

/** A misuse of the command line (a missing argument, options that do not go together): exit code 2, one line. */
export function usage(message: string): QcError {
  return new QcError('invalid_argument', message);
}

/**
 * A commander argument parser from a parser of the domain (a mirror, a shard, a label): whatever it
 * throws becomes a usage error naming the option (exit 2), not a failure of the command (exit 1).
 */
export function optionValue<T>(option: string, parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (e) {
      if (e instanceof QcError && e.code === 'invalid_argument') throw e;
      const message = e instanceof Error ? e.message : String(e);
      throw usage(message.startsWith(option) ? message : `${option}: ${message}`);
    }
  };
}


/**
 * The library folder: `--data DIR`, else env QC_DATA_DIR, else the platform's app-data folder
 * (paths.ts). An empty `--data` (`qc --data "$LIB" …` with LIB unset) is a usage error, never the
 * folder qc was started in. `chosen`: whether the folder was named (by the flag or the env), not
 * the default.
 */
export function dataDirOption(data: string | undefined, env: NodeJS.ProcessEnv = process.env): { dir: string; chosen: boolean } {
  if (data === undefined) return { dir: defaultDataDir(env), chosen: Boolean(env.QC_DATA_DIR) };
  if (!data.trim()) throw usage('--data: empty folder name (an unset variable?)');
  return { dir: data, chosen: true };
}
