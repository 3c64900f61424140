import { describe, expect, it } from 'vitest';
import { HOSTILE_KINDS, hostileRatings, ROW_REFUSED, URL_REFUSED } from './hostileRows';

const opts = { lines: 2000, seed: 7, server: 'http://127.0.0.1:4321', pool: 50, canary: '/tmp/x/canary/canary.jpg', canaryRelative: '../canary/canary.jpg', closedPort: 9 };

describe('hostileRatings', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = hostileRatings(opts);
    expect(hostileRatings(opts).bytes.equals(a.bytes)).toBe(true);
    expect(hostileRatings({ ...opts, seed: 8 }).bytes.equals(a.bytes)).toBe(false);
  });

  it('writes every kind, counts each row once and caps the big ones', () => {
    const f = hostileRatings(opts);
    expect(f.rows).toHaveLength(opts.lines);
    for (const k of HOSTILE_KINDS) expect(f.counts[k], k).toBeGreaterThan(0);
    expect(Object.values(f.counts).reduce((s, n) => s + n, 0)).toBe(opts.lines);
    expect(f.counts.huge_field).toBeLessThanOrEqual(3);
    expect(f.bytes.length).toBeLessThan(8 * 1024 * 1024);
    for (const k of ROW_REFUSED) expect(URL_REFUSED.has(k)).toBe(false);
  });

  it('numbers rows as the importer counts lines: only \\n ends one, a lone CR joins two rows', () => {
    const f = hostileRatings(opts);
    const text = f.bytes.toString('latin1');
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe(''); // the file ends with a line end
    // The last row's line is the number of \n-ended lines.
    expect(f.rows.at(-1)!.line).toBe(lines.length - 1);
    for (const r of f.rows) {
      const line = lines[r.line - 1]!.replace(/\r$/, '');
      expect(line.includes('\r'), `line ${r.line}`).toBe(r.crJoined);
      // The row's id is on its line (a formula cell replaces the id, a duplicate repeats the one before).
      if (r.kind === 'valid') expect(line).toContain(`${r.id}\t`);
    }
  });
});
