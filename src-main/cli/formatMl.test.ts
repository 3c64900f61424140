/** `qc issues`' text: the issues within confident learning's estimate, then those beyond it under their own heading. */
import { describe, expect, it } from 'vitest';
import type { LabelIssue } from '../../src-shared/domain/ml';
import { formatIssues } from './formatMl';

const issue = (rank: number, beyond: boolean): LabelIssue => ({
  rank,
  image_id: 100 + rank,
  given: 'good',
  suggested: 'bad',
  self_confidence: 0.1 * rank,
  p_bad: 1 - 0.1 * rank,
  url: null,
  rating: 4,
  rating_count: 1,
  beyond_estimate: beyond,
});

describe('formatIssues', () => {
  it('lists the estimate first, then the issues beyond it under a heading that counts them', () => {
    const text = formatIssues({ run_id: 3, total: 2, reviewed: 0, beyond: 5, ranking: 'self-confidence', issues: [issue(1, false), issue(2, false), issue(3, true)] });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Run 3: 2 images whose label is probably wrong/);
    expect(lines[1]).toContain('image 101:');
    expect(lines[2]).toContain('image 102:');
    expect(lines[3]).toMatch(/beyond the estimate of wrong labels \(5 open\)/);
    expect(lines[4]).toContain('image 103:');
    // Said once, by the heading, not again on each line under it.
    expect(text.match(/beyond the estimate/g)).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^Fix with: qc label/);
  });

  it('has no heading when nothing lies beyond the estimate', () => {
    const text = formatIssues({ run_id: 1, total: 1, beyond: 0, issues: [issue(1, false)] });
    expect(text).not.toMatch(/beyond/);
    expect(formatIssues({ run_id: 1, total: 0, beyond: 0, issues: [] })).toBe('Run 1: no open label issues.');
  });
});
