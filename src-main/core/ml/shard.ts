/**
 * Deterministic sharding of a bundle for `qc classify --shard K/N`: a row belongs to shard
 * (first 4 bytes of sha1(URL) as an unsigned integer) mod N, so every process or machine that gets
 * the same bundle and the same N picks disjoint rows that together cover the bundle, with no
 * coordination. The bundle is read as the importer reads it (parse.ts scanInput: its encoding, its
 * header the first non-blank line, quoted cells unquoted, its file-level refusals told against the
 * curator's file up front), and a row's URL is the one its import stores. A row is one of the import's
 * records (parse.ts inputRecords): the lines of a quoted cell holding a line break go to one
 * shard together, sharded by the URL of the row they make. The shard's rows are
 * streamed into a bundle file of their own (byte for byte, so a latin1 bundle stays latin1; a
 * UTF-16 bundle's lines written as UTF-8, which reads back as the same text), named
 * `<stem>.shard-K-of-N<ext>` (`.txt` where the bundle file has no extension): its tag files then
 * carry the shard in their names and N shards can write into one folder.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { QcError } from '../../../src-shared/contract/errors';
import { isHttpUrl } from '../../../src-shared/domain/library';
import { sweepExportTemps } from '../export/stage';
import { AtomicFile, makeDir } from '../fsSafe';
import { MAX_INPUT_BYTES, type ReportAs } from '../library/importer';
import { describeLongLine, inputRecords, scanInput, windows1252Bytes, type InputLine } from '../library/parse';
import { openInputFile } from '../library/sources';

export interface Shard {
  /** 1-based shard number. */
  k: number;
  /** Number of shards. */
  n: number;
}

/** "K/N" → { k, n } (1 ≤ K ≤ N), or a bad_input error. */
export function parseShard(s: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(s);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1) || !(k >= 1 && k <= n)) throw new QcError('bad_input', `--shard wants K/N with 1 <= K <= N (e.g. 2/8), got "${s}"`);
  return { k, n };
}

/** The 0-based shard of a URL among n. */
export function shardOf(url: string, n: number): number {
  return createHash('sha1').update(url.trim()).digest().readUInt32BE(0) % n;
}

/**
 * `<stem>.shard-K-of-N<ext>` (`<ext>` `.txt` for a file without one), or with `distinct`
 * `<stem>-<8 hex digits of sha1(source)>.shard-K-of-N<ext>`: the name of another bundle file with the same name (`/b/bundle.tsv` after `/a/bundle.tsv`) whose
 * shard K of N went into the same output folder first ({@link writeShardBundle} `whose`).
 */
export function shardFileName(source: string, shard: Shard, distinct = false): string {
  // A bundle file without an extension (`media`) gets one: its tag files' stem is the copy's name
  // without its extension (tags.ts tagFileBase), which would drop the shard from `media.shard-1-of-2`
  // and give every shard's tag files the same names (`media_finaltags.tsv` on each machine).
  const ext = path.extname(source);
  const tag = distinct ? `-${createHash('sha1').update(source).digest('hex').slice(0, 8)}` : '';
  return `${path.basename(source, ext)}${tag}.shard-${shard.k}-of-${shard.n}${ext || '.txt'}`;
}

/** The folder inside classify's output folder that holds the shard bundles. */
export const SHARD_FOLDER = '.shards';

/**
 * How the records a curator reads (`library.sources`: the import's source, the bundle's name and
 * origin) name a shard of the bundle `source`: the curator's file and the shard, e.g.
 * `/a/bundle.tsv, shard 2 of 8`, never the internal copy.
 */
export function shardShownAs(source: string, shard: Shard): string {
  return `${source}, shard ${shard.k} of ${shard.n}`;
}

/**
 * Whose a shard copy's plain name is, as the library knows (classifyService): an import of this
 * bundle file's shard (`mine`), of another bundle file of the same name (`other`), or of none.
 */
export type ShardCopyOwner = 'mine' | 'other' | 'nobody';

/** A shard bundle written by {@link writeShardBundle}. */
export interface ShardBundle {
  file: string;
  shard: Shard;
  /** The bundle's data lines, as the import counts its rows: each non-blank line (a quoted cell's lines each). */
  rows: number;
  /** Those copied into this shard. */
  kept: number;
  /** The line of the curator's bundle that a line of the shard file was copied from (undefined past its end). */
  sourceLine(shardLine: number): number | undefined;
  /**
   * Whether a line of the curator's bundle is not another shard's row: a row of this shard, the
   * header, a blank line, or past the bundle's end (a failure recorded there before is this shard's to replace).
   */
  ownsLine(line: number): boolean;
}

/**
 * Write the rows of `source` (a bundle TSV with an eolMediaURL column, or a bare URL list) that
 * fall in `shard` to `<outDir>/.shards/<stem>.shard-K-of-N<ext>`, keeping the header. `outDir` is
 * the folder the user named: `.shards` is made below it by the export rule (fsSafe makeDir with
 * `base`), so a `.shards` link planted there (a shared output folder) is refused, not written
 * through. Streams: memory does not grow with the bundle. Returns the file and the counts.
 *
 * The shard copy's path is the key of its import and bundle in the library (and its name the stem
 * of its tag files): `whose(file)` says whether the library already holds that path as the
 * shard of another bundle file with the same name (`/a/bundle.tsv` and `/b/bundle.tsv` sharded into
 * one folder). Then the copy is named apart ({@link shardFileName} `distinct`): the second would
 * otherwise be imported as an edit of the first, its rows replacing the first's in the library and
 * its tag files overwriting the first's. A path the library holds for no bundle file is taken only
 * if no file is there when the copy is published: another process may have written it a moment
 * before for a bundle file of the same name, not imported yet (two classifies started at once).
 */
export async function writeShardBundle(source: string, shard: Shard, outDir: string, owners?: string | null, whose?: (file: string) => ShardCopyOwner): Promise<ShardBundle> {
  if (isHttpUrl(source)) throw new QcError('bad_input', `--shard needs a local bundle file; download ${source} first`);
  // Refused as the unsharded import refuses them (importer.ts prepare): the same code, words and file.
  if (!fs.existsSync(source)) throw new QcError('bad_input', 'no such file or folder', { file: source });
  if (fs.statSync(source).isDirectory()) throw new QcError('bad_input', 'a bundle is a file (a TSV or a list of URLs), not a folder', { file: source });
  // The importer's rules for an input file (a regular file under its size limit) and its line reader.
  const input = await openInputFile(source, MAX_INPUT_BYTES);
  let dir: string;
  let scan: ReturnType<typeof scanInput>;
  try {
    // The importer's checks of the whole file (encoding, header, columns) and how it reads a row's URL.
    scan = scanInput(input.read, source, 'bundle');
    dir = makeDir(path.join(outDir, SHARD_FOLDER), { base: outDir, what: 'the shard folder' });
    // A classify killed while it wrote a shard file left its temporary here: swept (dead writers only).
    sweepExportTemps(dir, owners ?? null);
  } catch (e) {
    await input.close();
    throw e;
  }
  const plain = path.join(dir, shardFileName(source, shard));
  const distinct = path.join(dir, shardFileName(source, shard, true));
  const owner = whose?.(plain);
  const out = new AtomicFile(owner === 'other' ? distinct : plain);
  let file = out.file;
  let rows = 0;
  let kept = 0;
  let pending = '';
  let pendingAs: 'latin1' | 'utf8' = 'utf8';
  // Each line is written back in the bytes it was read from: a latin1 line's text maps back to its
  // bytes (0x80-0x9F were read as Windows-1252's ’ – “ ” … €, so they go back through that table), and a line read as UTF-8 is the same bytes again (a `mixed` file: each line as it was
  // decoded). A UTF-16 file's lines are written as UTF-8 (the importer reads the same text from it).
  const bytesAs = (l: InputLine) => (scan.encoding === 'latin1' || (scan.encoding === 'mixed' && !('utf8' in l && l.utf8)) ? 'latin1' : 'utf8');
  // Which source line each shard line came from (4 bytes a kept row): an error the import of the
  // shard file reports is told against the curator's bundle and line (curatorError).
  let lineOf = new Uint32Array(1024);
  let written = 0;
  // Which shard lines start a record of the bundle (1 a line): the shard copy is read back to check
  // that its import groups its lines as the bundle's import does (checkRecords).
  let starts = new Uint8Array(1024);
  let quoted = false;
  // The bundle's lines that are other shards' rows, a bit each.
  let elsewhere = new Uint8Array(1024);
  const markElsewhere = (line: number) => {
    const i = line >>> 3;
    elsewhere = enlarged(elsewhere, i + 1, (n) => new Uint8Array(n));
    elsewhere[i]! |= 1 << (line & 7);
  };
  const flush = () => {
    if (pending) out.write(pendingAs === 'latin1' ? windows1252Bytes(pending) : Buffer.from(pending, 'utf8'));
    pending = '';
  };
  const write = (l: Extract<InputLine, { text: string }>, start: boolean) => {
    lineOf = enlarged(lineOf, written + 1, (n) => new Uint32Array(n));
    starts = enlarged(starts, written + 1, (n) => new Uint8Array(n));
    starts[written] = start ? 1 : 0;
    lineOf[written++] = l.line;
    const as = bytesAs(l);
    if (as !== pendingAs) flush();
    pendingAs = as;
    pending += `${l.text}\n`;
    if (pending.length >= 1 << 20) flush();
  };
  try {
    // Blank lines before the first are not rows; a TSV's first non-blank line is its header, kept.
    if (scan.format === 'tsv') write(scan.first, true);
    // A bundle's record, not its line, is what a shard takes: a quoted cell holding a line break
    // spans lines that the import reads together (and refuses together, naming each other), so they
    // go to one shard, in order, and the import of the shard reads them as one record again.
    for (const record of inputRecords(scan)) {
      const lines: Extract<InputLine, { text: string }>[] = [];
      for (const l of record.lines) {
        // A row over the line limit cannot be copied (it is never held): the unsharded import records it as a failed row.
        if (l.text === null) throw new QcError('bad_input', `${describeLongLine(l.bytes)}: --shard copies rows whole; import it without --shard to have it recorded as a failed row`, { file: source, line: l.line });
        lines.push(l);
      }
      // Rows are counted as the import counts them: each non-blank line (blank lines are no rows).
      const data = lines.filter((l) => l.text.trim() !== '').length;
      if (!data) continue;
      rows += data;
      // Sharded by the URL of the record's cells (a quoted cell's line breaks kept inside it), every line of it in that shard.
      if (shardOf(scan.urlOf(lines.map((l) => l.text).join('\n')), shard.n) !== shard.k - 1) {
        for (const l of lines) markElsewhere(l.line);
        continue;
      }
      kept += data;
      quoted ||= lines.some((l) => l.text.includes('"'));
      lines.forEach((l, i) => write(l, i === 0));
    }
    flush();
    // Only a row with a quote can leave one open: a shard without any is read as it was written.
    if (quoted) checkRecords(out.tmp, source, (i) => lineOf[i]!, (i) => i < written && starts[i] === 1, written);
    // A plain name the library knows for no bundle file may still be another process's copy,
    // written a moment ago for a bundle file of the same name and not imported yet: taken only if
    // nothing is there, else this copy is named apart.
    if (owner === 'nobody') file = out.commitUnlessTaken(distinct);
    else out.commit();
  } catch (e) {
    out.discard();
    throw e;
  } finally {
    await input.close();
  }
  return {
    file,
    shard: { k: shard.k, n: shard.n },
    rows,
    kept,
    sourceLine: (n) => (Number.isInteger(n) && n >= 1 && n <= written ? lineOf[n - 1] : undefined),
    ownsLine: (line) => !(Number.isInteger(line) && line >= 0 && line >>> 3 < elsewhere.length && (elsewhere[line >>> 3]! & (1 << (line & 7))) !== 0),
  };
}

/**
 * Read the shard copy `tmp` back as the import will and check that it groups the lines into the
 * records the bundle's import read (`lineOf`: the bundle line of a shard line, 0-based; `startsAt`:
 * whether a shard line starts a bundle record). A quote a row leaves open (a cell that starts with a
 * lone quote, read as written in the bundle) could close on a line of this shard that followed
 * other shards' rows in the bundle: the shard would then read lines together that the bundle reads
 * as rows of their own. Such a bundle is refused at that row's line, before any shard is imported.
 */
function checkRecords(tmp: string, source: string, lineOf: (i: number) => number, startsAt: (i: number) => boolean, written: number): void {
  const fd = fs.openSync(tmp, 'r');
  try {
    const scan = scanInput((buf, pos) => fs.readSync(fd, buf, 0, buf.length, pos), tmp, 'bundle');
    for (const record of inputRecords(scan)) {
      const first = record.lines[0]!.line - 1;
      const end = first + record.lines.length;
      let whole = startsAt(first) && (end >= written || startsAt(end));
      for (let i = first + 1; whole && i < end; i++) whole = !startsAt(i);
      if (!whole) {
        throw new QcError(
          'bad_input',
          'a cell of this row starts with a quote it does not close, and in the shard copy that quote would close on a later row (rows of other shards were between them in the bundle), so the shard would not read the rows the bundle holds: --shard copies rows whole; close the quote (or write the cell without it), or import the bundle without --shard',
          { file: source, line: lineOf(first) },
        );
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** `a` itself when it holds `need` entries, else a copy of it at least twice as long (per-line tables that grow as lines are read). */
function enlarged<T extends Uint8Array | Uint32Array>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  const b = make(Math.max(a.length * 2, need));
  b.set(a);
  return b;
}

/**
 * An error of the import of a shard file, told against what the curator gave: the bundle file and
 * its line (the shard file's line mapped back), the message's mentions of the shard copy replaced
 * by the bundle's path, and the internal shard file kept only as a note at the end. Any other
 * error is returned as it is.
 */
export function curatorError(e: unknown, source: string, bundle: ShardBundle): unknown {
  if (!(e instanceof QcError) || e.file !== bundle.file) return e;
  const line = e.line === undefined ? undefined : bundle.sourceLine(e.line);
  const said = line !== undefined ? e.message.split(`${bundle.file}:${e.line}`).join(`${source}:${line}`) : e.message;
  const message = `${said.split(bundle.file).join(source)} (read from its shard copy ${bundle.file}${e.line !== undefined ? `, line ${e.line}` : ''})`;
  return new QcError(e.code, message, { file: source, ...(line !== undefined && { line }), ...(e.detail !== undefined && { detail: e.detail }) });
}

/**
 * How the import of a shard file records its failures (rows refused, URLs that could not be
 * downloaded): against the curator's bundle `source` and its lines (importer.ts RunOptions reportAs),
 * replacing the failures recorded earlier at the bundle's lines that are not another shard's; and
 * how its import and bundle are shown: the curator's bundle and the shard ({@link shardShownAs}).
 */
export function curatorReport(source: string, bundle: ShardBundle): ReportAs {
  return {
    file: source,
    line: bundle.sourceLine,
    owns: (line) => line === null || bundle.ownsLine(line),
    shownAs: shardShownAs(source, bundle.shard),
    shownName: shardShownAs(path.basename(source), bundle.shard),
  };
}
