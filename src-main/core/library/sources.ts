/**
 * Where an image's bytes may come from, and reading them safely.
 *
 * The URL policy (README "Import safety"):
 * - `http:` and `https:` URLs are fetched from the network; nothing else is, ever. A URL with a
 *   user name or password (`http://user:pw@host/…`) is refused, as is a redirect to one.
 * - A URL that starts with a mirror's prefix is read from the mirror folder when the file is there;
 *   the path must stay inside that folder (after following links) and be a regular file.
 * - `file:` URLs are read only when the import allows local files: a folder the user chose, or an
 *   input file given on the command line / chosen in the UI together with `--allow-local`
 *   (`allowLocal: true`). A list downloaded over HTTP never allows them. `file://host/…` (a remote
 *   host) is refused.
 * - No file in the library's own folder is read as a picture, whichever way it is named (a chosen
 *   folder that is or holds the library, a mirror folder, a `file:` URL): inLibrary.ts.
 * - Local files must be regular files (no folders, FIFOs, devices or sockets), are opened without
 *   blocking and read with the same 64 MB cap as downloads: a huge file is refused by its size,
 *   never read whole. Input lists and tag files are opened the same way ({@link openInputFile}),
 *   with their own cap, and read in pieces. A picture an import reads whole (a mirror's, an
 *   allowed `file:` URL's, a chosen folder's) holds its size of the import's byte budget before a
 *   byte is read, as a download does ({@link holdingReads}).
 * - A list downloaded from a public host may name only public addresses: a URL in it whose host is
 *   loopback, private or link-local (or `localhost`), as written or as its name resolves (fetch.ts),
 *   is refused (`private_refused`), so a list on the web cannot make the importer request pages of
 *   the user's network. A list from a local file or a local/intranet host may name any host.
 * - Redirects: at most 5; only to http(s); a redirect to a loopback, private or link-local address
 *   (or `localhost`) is refused unless the host that issued it is itself such an address (so local
 *   test servers and an intranet mirror still work, but a public host cannot bounce the importer
 *   into the user's network). Each hop is judged by the host that answered it, not by the first
 *   URL: a local URL that redirects to a public host does not lend that host its own freedom. Here
 *   a name is judged by its spelling; fetch.ts also refuses, before connecting, a name that DNS
 *   resolves to such an address on every hop after the first public one.
 * - A list counts as from the user's network only when it was served from there: fetch.ts
 *   fetchList judges by the addresses its download connected to, not by asking DNS again.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QcError } from '../../../src-shared/contract/errors';
import { GROWTH_STEP, type Reservation } from './byteBudget';
import { DEFAULT_FETCH_OPTIONS, FetchFailure } from './fetch';
import type { ReadAt } from './parse';
import { IN_LIBRARY } from './inLibrary';
import { isOpenDatabaseFile } from '../db/open';

export interface Mirror {
  prefix: string;
  dir: string;
}

export interface SourcePolicy {
  mirrors: readonly Mirror[];
  /** Whether `file:` URLs may be read (a chosen folder, or a local input with --allow-local). */
  allowLocal: boolean;
  /**
   * Whether the URL was named by a list downloaded from a public host: then it must lead to a
   * public address too (as written here; fetch.ts `publicOnly` judges where its name resolves).
   */
  publicOnly?: boolean;
  maxBytes?: number;
  /** The library folder's real path (inLibrary.ts realLibrary): no file in it is read as a picture. */
  library?: string;
}

/** What a URL resolves to under the policy: a local file to read, or an http(s) URL to fetch. */
/** `notInMirror`: the files the mirrors whose prefix matched named but their folders lack (the URL is then fetched). */
export type Resolved = { kind: 'file'; path: string; via: 'mirror' | 'local' } | { kind: 'http'; url: string; notInMirror?: readonly string[] };

/**
 * Decide where a URL's bytes come from. Throws a FetchFailure (never anything else) when the URL
 * is refused. A mirror file that does not exist falls through to the network, as before.
 */
export function resolveSource(url: string, policy: SourcePolicy): Resolved {
  const notInMirror: string[] = [];
  for (const m of policy.mirrors) {
    if (!url.startsWith(m.prefix)) continue;
    let rel: string;
    try {
      rel = decodeURIComponent(url.slice(m.prefix.length).split(/[?#]/)[0] ?? '');
    } catch {
      throw new FetchFailure('bad_url', `the URL has a broken %-escape: ${short(url)}`, false);
    }
    if (rel.includes('\0')) throw new FetchFailure('bad_url', `the URL names a path with a NUL byte: ${short(url)}`, false);
    const file = path.resolve(m.dir, rel);
    if (!isInside(m.dir, file)) throw new FetchFailure('bad_url', `mirror path escapes ${m.dir}: ${short(rel)}`, false);
    if (fs.existsSync(file)) {
      // Links inside the mirror must not lead out of it.
      let real: string;
      try {
        real = fs.realpathSync(file);
      } catch {
        throw new FetchFailure('missing_file', `cannot resolve ${file}`, false);
      }
      if (!isInside(realDir(m.dir), real)) throw new FetchFailure('bad_url', `mirror path leads out of ${m.dir} through a link: ${short(rel)}`, false);
      refuseLibraryFile(real, policy);
      return { kind: 'file', path: file, via: 'mirror' };
    }
    notInMirror.push(file);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'file') {
    if (!policy.allowLocal) {
      throw new FetchFailure('local_refused', 'a file: URL; local files are read only from a local input given with --allow-local (or through a mirror)', false);
    }
    let file: string;
    try {
      file = fileURLToPath(url);
    } catch (e) {
      throw new FetchFailure('bad_url', `not a local file URL (${(e as Error).message}): ${short(url)}`, false);
    }
    if (file.includes('\0')) throw new FetchFailure('bad_url', `the URL names a path with a NUL byte: ${short(url)}`, false);
    let real: string | null = null;
    try {
      real = fs.realpathSync(file);
    } catch {
      // Not there (or not readable): reading it says why.
    }
    if (real) refuseLibraryFile(real, policy);
    return { kind: 'file', path: file, via: 'local' };
  }
  if (scheme !== 'http' && scheme !== 'https') throw new FetchFailure('bad_url', `unsupported URL (only http and https): ${short(url)}`, false);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FetchFailure('bad_url', `not a valid URL: ${short(url)}`, false);
  }
  if (hasCredentials(parsed)) throw new FetchFailure('bad_url', CREDENTIALS_REFUSED, false);
  if (policy.publicOnly && isPrivateHost(parsed.hostname)) {
    throw new FetchFailure('private_refused', `a list downloaded from a public host names a local or private address (${parsed.host}): refused`, false);
  }
  return { kind: 'http', url, ...(notInMirror.length > 0 && { notInMirror }) };
}

/** A file whose real path lies in the library's folder is not read as a picture (inLibrary.ts). */
function refuseLibraryFile(real: string, policy: SourcePolicy): void {
  if (policy.library && (real === policy.library || isInside(policy.library, real))) throw new FetchFailure('local_refused', `a file in ${IN_LIBRARY}`, false);
}

export const CREDENTIALS_REFUSED = 'URLs with a user name or password are not accepted';

/** Whether a URL carries a user name or password (`http://user:pw@host/…`; an empty `@` is dropped by parsing). */
export function hasCredentials(u: URL): boolean {
  return u.username !== '' || u.password !== '';
}

/** `url` as it may be shown or stored: a password in it replaced by `***` (unchanged when it has none or does not parse). */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.href;
  } catch {
    return url;
  }
}

/** Whether `file` is strictly inside `dir` (both absolute). */
export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel);
}

const realDirs = new Map<string, string>();
function realDir(dir: string): string {
  let real = realDirs.get(dir);
  if (!real) {
    try {
      real = fs.realpathSync(dir);
    } catch {
      real = dir;
    }
    realDirs.set(dir, real);
  }
  return real;
}

/** What a non-regular file is, in words (a stat or a directory entry). */
export function describeStat(st: fs.Stats | fs.Dirent<Buffer>): string {
  if (st.isSymbolicLink()) return 'a link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const CHUNK = 1 << 20;

/** Where the whole-file reads of one picture take their bytes from: an import's budget (byteBudget.ts). */
export interface ReadHold {
  reservation: Reservation;
  /** Ends a wait for the budget (a cancel): the read then rejects with its reason, nothing read. */
  signal?: AbortSignal;
}

const readHold = new AsyncLocalStorage<ReadHold>();

/**
 * Run `read` with every file it reads whole ({@link readOpened}: {@link readLocalFile}, folder.ts
 * readFolderFile) holding its bytes in `hold` first: the file's size, from a stat of the opened
 * handle (so the file measured is the file read), capped by the read's limit, granted by the
 * budget before a byte is read, and more should the file grow while read. The caller gives the
 * bytes back (`hold.reservation.release()`) when it is done with them. Passed this way rather than
 * as an argument because folder.ts reads a folder's files through its own checks first.
 */
export function holdingReads<T>(hold: ReadHold, read: () => Promise<T>): Promise<T> {
  return readHold.run(hold, read);
}

/**
 * Read a regular file with a size cap. Opened with O_NONBLOCK so a FIFO cannot hang the open;
 * anything that is not a regular file is refused before a byte is read, and a file larger than
 * `maxBytes` is refused by its size (and, if it grows while read, after at most `maxBytes` + 1 bytes).
 */
export async function readLocalFile(file: string, maxBytes = DEFAULT_FETCH_OPTIONS.maxBytes): Promise<Buffer> {
  return readOpened(await openLocalFile(file, maxBytes), file, maxBytes);
}

/**
 * Read a file opened by the caller whole, in pieces, with the cap of {@link readLocalFile}, after
 * the checks of {@link checkOpened}; closes it. `name` names it in failures. Inside
 * {@link holdingReads}, waits for its bytes of the budget before reading (a cancel then rejects
 * with the signal's reason, as it is).
 */
export async function readOpened(fh: fs.promises.FileHandle, name: string, maxBytes: number): Promise<Buffer> {
  const hold = readHold.getStore();
  try {
    let size: number;
    try {
      size = await checkOpened(fh, name, maxBytes);
    } catch (e) {
      throw readFailure(e, name);
    }
    await hold?.reservation.ensure(size, hold.signal);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(CHUNK, maxBytes + 1 - total);
      const buf = Buffer.allocUnsafe(want);
      let bytesRead: number;
      try {
        ({ bytesRead } = await fh.read(buf, 0, want, null));
      } catch (e) {
        throw readFailure(e, name);
      }
      if (bytesRead === 0) break;
      total += bytesRead;
      chunks.push(buf.subarray(0, bytesRead));
      if (total > maxBytes) throw new FetchFailure('too_large', `the file grew over the limit of ${maxBytes} bytes while read`, false);
      // Grown since its size was taken: the bytes it holds grow with it, a step ahead (as fetch.ts readBody).
      if (hold && total > hold.reservation.held) await hold.reservation.ensure(Math.min(maxBytes, total + GROWTH_STEP), hold.signal);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close().catch(() => {});
  }
}

/** What a failed stat or read of `name` is said as: a FetchFailure as it is, anything else as a file that cannot be read. */
function readFailure(e: unknown, name: string): FetchFailure {
  if (e instanceof FetchFailure) return e;
  return new FetchFailure('missing_file', `cannot read ${name} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, false);
}

/** An opened file must be a regular file of at most `maxBytes` (checked by its size before a byte is read); its size. */
async function checkOpened(fh: fs.promises.FileHandle, name: string, maxBytes: number): Promise<number> {
  const st = await fh.stat();
  if (!st.isFile()) throw new FetchFailure('not_file', `${name} is ${describeStat(st)}, not a regular file`, false);
  if (st.size > maxBytes) throw new FetchFailure('too_large', `the file has ${st.size} bytes, over the limit of ${maxBytes} bytes`, false);
  return st.size;
}

/**
 * Open a regular file for reading under the same rules as {@link readLocalFile} (non-blocking open,
 * regular files only, refused by its size over `maxBytes`), for callers that read it in pieces.
 * The caller closes the handle.
 */
export async function openLocalFile(file: string, maxBytes = DEFAULT_FETCH_OPTIONS.maxBytes): Promise<fs.promises.FileHandle> {
  // Not even opened: closing it would drop this process's SQLite locks on it (db/open.ts).
  if (isOpenDatabaseFile(file)) throw new FetchFailure('local_refused', `${file} is the database of the open library (or its journal): never read as an input`, false);
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FetchFailure('missing_file', `no such file: ${file}`, false);
    if (code === 'EISDIR') throw new FetchFailure('not_file', `${file} is a folder, not a regular file`, false);
    throw new FetchFailure('missing_file', `cannot read ${file} (${code ?? (e as Error).message})`, false);
  }
  try {
    await checkOpened(fh, file, maxBytes);
    return fh;
  } catch (e) {
    await fh.close().catch(() => {});
    if (e instanceof FetchFailure) throw e;
    throw new FetchFailure('missing_file', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, false);
  }
}

/** A local input list opened for reading in pieces: `read` at any byte position (see parse.ts), then `close`. */
export interface InputFile {
  read: ReadAt;
  /**
   * Throws the refusal of a file that changed since it was opened (its size or time of change),
   * as `read` does before each read: a reader that must have read one version of the file calls
   * it after its last read too.
   */
  checkUnchanged(): void;
  close(): Promise<void>;
}

/**
 * Open a local input list (ratings, exemplars, bundle, tag file) under the rules of
 * {@link openLocalFile}: a non-blocking open, regular files only (no folder, FIFO or device), and a
 * file over `maxBytes` refused by its size before a byte is read; one that grows over it while read
 * is refused then. A list is read more than once (parse.ts scanInput: a pass for its encoding and
 * rows, then its rows as they are stored), so one that changes while it is read (truncated,
 * appended to, rewritten in place: its size or time of change differs from when it was opened)
 * is refused at the next read, `again` saying what to do (`import it again`), never read half old,
 * half new. Refusals are QcErrors (`bad_input`) naming the file. The caller closes it.
 */
export async function openInputFile(file: string, maxBytes: number, again = 'try again'): Promise<InputFile> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await openLocalFile(file, maxBytes);
  } catch (e) {
    if (e instanceof FetchFailure) throw new QcError('bad_input', e.message, { file });
    throw e;
  }
  const stamp = (): string => {
    try {
      const st = fs.fstatSync(fh.fd, { bigint: true });
      return `${st.size} ${st.mtimeNs}`;
    } catch (e) {
      throw new QcError('bad_input', `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
    }
  };
  let opened: string;
  try {
    opened = stamp();
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
  const checkUnchanged = () => {
    if (stamp() !== opened) throw new QcError('bad_input', `the file changed while it was being read: ${again} when it is complete`, { file });
  };
  return {
    checkUnchanged,
    read: (buf, pos) => {
      checkUnchanged();
      let n: number;
      try {
        n = fs.readSync(fh.fd, buf, 0, buf.length, pos);
      } catch (e) {
        // A file that says it is regular but cannot be read as one (/proc/self/mem: EIO): the user's input, said as such.
        throw new QcError('bad_input', `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
      }
      if (pos + n > maxBytes) throw new QcError('bad_input', `the file grew over the limit of ${maxBytes} bytes while read`, { file });
      return n;
    },
    close: () => fh.close().catch(() => {}),
  };
}

/**
 * Whether a host (as written in a URL, or an address a lookup gave) is loopback, private,
 * link-local or unspecified. IPv6 forms that carry an IPv4 address are judged by it: IPv4-mapped
 * `::ffff:a.b.c.d` and NAT64 `64:ff9b::a.b.c.d` (DNS64 on an IPv6-only network gives every public
 * IPv4 host such an address, so the prefix alone is not private; the gateway's own network is).
 * The rest of `::/96` (`::`, `::1`, the deprecated IPv4-compatible `::a.b.c.d`) names no public
 * host and is private whatever it carries.
 */
export function isPrivateHost(hostname: string): boolean {
  let h = hostname.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v = net.isIP(h);
  if (v === 4) return isPrivateV4(h);
  if (v === 6) {
    const g = v6Groups(h);
    const embedded = `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
    const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
    if (zeroTo(5) && g[5] === 0xffff) return isPrivateV4(embedded);
    if (zeroTo(6)) return true;
    // SIIT's IPv4-translated form (::ffff:0:0/96, RFC 2765) carries one too.
    if (zeroTo(4) && g[4] === 0xffff && g[5] === 0) return isPrivateV4(embedded);
    if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return isPrivateV4(embedded);
    // NAT64's local-use prefix (64:ff9b:1::/48, RFC 8215): a translator of the site's own, never a public host.
    if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return true;
    // 6to4 (2002::/16) carries an IPv4 address in its next two groups: judged by it.
    if (g[0] === 0x2002) return isPrivateV4(`${g[1]! >> 8}.${g[1]! & 255}.${g[2]! >> 8}.${g[2]! & 255}`);
    // Unique local fc00::/7, link-local fe80::/10, the old site-local fec0::/10, multicast ff00::/8.
    return (g[0]! & 0xfe00) === 0xfc00 || (g[0]! & 0xffc0) === 0xfe80 || (g[0]! & 0xffc0) === 0xfec0 || (g[0]! & 0xff00) === 0xff00;
  }
  return false;
}

/**
 * The eight 16-bit groups of an IPv6 address that net.isIP accepts: `::` expanded, a trailing
 * dotted IPv4 part as the last two groups, a zone (`%eth0`, from a lookup) dropped.
 */
function v6Groups(address: string): number[] {
  let h = address.split('%')[0]!;
  const tail: number[] = [];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    h = h.slice(0, dotted.index);
    if (h.endsWith(':') && !h.endsWith('::')) h = h.slice(0, -1);
  }
  const hex = (part: string) => (part ? part.split(':').map((x) => parseInt(x, 16)) : []);
  const cut = h.indexOf('::');
  if (cut < 0) return [...hex(h), ...tail];
  const head = hex(h.slice(0, cut));
  const back = hex(h.slice(cut + 2));
  return [...head, ...new Array<number>(8 - tail.length - head.length - back.length).fill(0), ...back, ...tail];
}

/** Addresses that name no public host: loopback, private, link-local, shared (CGN), benchmarking, multicast and reserved (broadcast included). */
function isPrivateV4(ip: string): boolean {
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return (
    a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || (a === 198 && (b === 18 || b === 19)) || a >= 224
  );
}

/**
 * The redirect rule: throws a FetchFailure when `from` (the URL that answered with the redirect,
 * not the first of the chain) may not redirect to `to`.
 */
export function checkRedirect(from: string, to: string): void {
  let target: URL;
  try {
    target = new URL(to);
  } catch {
    throw new FetchFailure('bad_url', `redirect to an invalid URL: ${short(to)}`, false);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new FetchFailure('redirect_refused', `redirect to a ${target.protocol} URL refused (only http and https)`, false);
  }
  if (hasCredentials(target)) throw new FetchFailure('redirect_refused', `redirect refused: ${CREDENTIALS_REFUSED}`, false);
  if (isPrivateHost(target.hostname) && !isPrivateHost(new URL(from).hostname)) {
    throw new FetchFailure('redirect_refused', `redirect from a public host to a local or private address (${target.host}) refused`, false);
  }
}

function short(s: string, n = 120): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** A long path with its end kept (the folder's tail and the file's name are what a reader needs). */
export function shortPath(p: string, n = 120): string {
  return p.length > n ? `…${p.slice(p.length - (n - 1))}` : p;
}
