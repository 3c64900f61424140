/**
 * The project's own Markdown pages link to each other and to their sections (README → the history
 * in docs/MEASUREMENTS.md, ARCHITECTURE.md → the README…). Moving a paragraph or renaming a heading
 * breaks such a link without a sound: this checks every relative link of those pages names a file
 * that exists and, for a Markdown file, a heading it has (GitHub's anchors: lower case, punctuation
 * dropped, spaces as hyphens, a repeated heading numbered -1, -2…). Written by hand: the rule is a
 * few lines and no dependency of the project parses Markdown.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PAGES = ['README.md', 'ARCHITECTURE.md', 'docs/MEASUREMENTS.md', 'docs/ML-EXPERIMENTS.md', 'resources/models/README.md', 'resources/demo/README.md'];

/** The line's text outside fenced code blocks, in order. */
function proseLines(text: string): string[] {
  let fenced = false;
  return text.split('\n').filter((l) => {
    if (/^\s*```/.test(l)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's anchor for a heading's text. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown page has, repeated headings numbered as GitHub numbers them. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const l of proseLines(text)) {
    const m = /^#{1,6}\s+(.*)$/.exec(l);
    if (!m) continue;
    const a = anchorOf(m[1]!);
    const n = seen.get(a) ?? 0;
    seen.set(a, n + 1);
    out.add(n ? `${a}-${n}` : a);
  }
  return out;
}

/** The relative link targets of a page's prose (inline links `[text](target)`). */
function linksOf(text: string): string[] {
  const out: string[] = [];
  for (const l of proseLines(text)) for (const m of l.matchAll(/\]\(([^)\s]+)\)/g)) if (!/^[a-z]+:/i.test(m[1]!)) out.push(m[1]!);
  return out;
}

describe('the Markdown pages link to files and headings that exist', () => {
  it('derives anchors as GitHub does', () => {
    expect(anchorOf('Time of a first training run with copies')).toBe('time-of-a-first-training-run-with-copies');
    expect(anchorOf('The `qc` command line')).toBe('the-qc-command-line');
    expect(anchorOf('Install: the packed app\'s size')).toBe('install-the-packed-apps-size');
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n### A')]).toEqual(['a', 'a-1', 'a-2']);
    expect(linksOf('see [x](docs/a.md#b), [y](https://e.org/) and [z](#c)\n```\n[w](gone.md)\n```')).toEqual(['docs/a.md#b', '#c']);
  });

  /** Each linked page's anchors, read and parsed once (the README links dozens of times to one page). */
  const anchorsByFile = new Map<string, Set<string>>();
  const anchorsIn = (file: string): Set<string> => {
    let a = anchorsByFile.get(file);
    if (!a) anchorsByFile.set(file, (a = anchorsOf(readFileSync(file, 'utf8'))));
    return a;
  };

  for (const page of PAGES.filter((p) => existsSync(path.join(root, p)))) {
    it(page, () => {
      const text = readFileSync(path.join(root, page), 'utf8');
      const broken: string[] = [];
      for (const link of linksOf(text)) {
        const [file, anchor] = link.split('#') as [string, string | undefined];
        const target = file ? path.resolve(path.dirname(path.join(root, page)), decodeURI(file)) : path.join(root, page);
        if (!existsSync(target)) broken.push(`${link}: no such file`);
        else if (anchor && target.endsWith('.md') && !anchorsIn(target).has(anchor)) broken.push(`${link}: no such heading`);
      }
      expect(broken).toEqual([]);
    });
  }
});
