/**
 * Portable file names from untrusted text (an EOL id, a bundle's name): the one home for naming an
 * export's files from data. A name made here is legal and visible on Linux, macOS and Windows:
 *
 * - never starts with "." (a hidden file, skipped by `qc import DIR` and most tools) nor a space;
 * - holds none of `<>:"/\|?*`, no control, format, private-use or unassigned character (each becomes "_");
 * - is not a Windows device name (CON, PRN, AUX, NUL, COM0–9, LPT0–9, CONIN$, CONOUT$, with any
 *   extension, in any case): "_" is put before it;
 * - has no trailing dot or space (Windows drops them, so "a." and "a" would be one file);
 * - is Unicode NFC and at most `maxBytes` bytes of UTF-8 (cut at a character, never inside one).
 *
 * `FolderNames` makes the names of one folder unique as a case-insensitive, normalisation-insensitive
 * file system sees them (macOS, Windows): "ABC" and "abc", "café" in NFC and NFD are one name there,
 * so a later one gets a suffix ("abc-2"), deterministically in the order names are claimed.
 */

/** The most bytes of a whole name (with its extension and any suffix): under every file system's 255. */
export const MAX_NAME_BYTES = 200;

const FORBIDDEN = /[<>:"/\\|?*\p{C}]/gu;
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

function utf8Bytes(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** `s` cut to at most `max` bytes of UTF-8, at a character boundary. */
function cutToBytes(s: string, max: number): string {
  let out = '';
  let n = 0;
  for (const ch of s) {
    const b = utf8Bytes(ch);
    if (n + b > max) break;
    out += ch;
    n += b;
  }
  return out;
}

/** A Windows device name, as Windows reads one: the part before the first dot, trailing spaces ignored. */
export function isDeviceName(name: string): boolean {
  return DEVICE.test(name.split('.')[0]!.replace(/ +$/, ''));
}

/** An extension of letters and digits only (".jpg"), lower-cased; anything else gives "". */
export function portableExt(ext: string): string {
  return /^\.[A-Za-z0-9]{1,16}$/.test(ext) ? ext.toLowerCase() : '';
}

/**
 * The stem of a portable name from untrusted `raw` (see the file's comment), at most `maxBytes`
 * bytes; "" when nothing of it is usable (empty, or only dots and spaces).
 */
export function portableStem(raw: string, maxBytes = MAX_NAME_BYTES): string {
  let s = raw.normalize('NFC').replace(FORBIDDEN, '_');
  s = s.replace(/^[. ]+/, (lead) => (s.length > lead.length ? '_' : ''));
  const tidy = (t: string) => t.replace(/[. ]+$/, '');
  s = tidy(cutToBytes(tidy(s), maxBytes));
  if (isDeviceName(s)) s = tidy(cutToBytes(`_${s}`, maxBytes));
  return s;
}

/** The key under which a case-insensitive, normalisation-insensitive file system compares names (coarse on purpose). */
export function folderKey(name: string): string {
  return name.normalize('NFKD').toUpperCase().toLowerCase().normalize('NFKC');
}

/** The names given in one folder: each one portable and unique under `folderKey`. */
export class FolderNames {
  private readonly taken = new Set<string>();

  /**
   * A portable, unused name for `raw` + `ext` (`ext` such as ".jpg"; only letters and digits are
   * kept); `fallback` (a sha256, say) when `raw` is null or has nothing usable. A name already
   * given in this folder gets "-2", "-3"… before its extension.
   */
  claim(raw: string | null, ext: string, fallback: string): string {
    const e = portableExt(ext);
    const room = MAX_NAME_BYTES - utf8Bytes(e) - 8; // 8: room for a suffix such as "-1234567"
    const stem = (raw !== null && portableStem(raw, room)) || portableStem(fallback, room) || 'file';
    for (let i = 1; ; i++) {
      const name = i === 1 ? `${stem}${e}` : `${stem}-${i}${e}`;
      const key = folderKey(name);
      if (!this.taken.has(key)) {
        this.taken.add(key);
        return name;
      }
    }
  }
}
