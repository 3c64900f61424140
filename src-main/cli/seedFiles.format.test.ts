import { describe, expect, it } from 'vitest';
import type { TrainingExportSummary } from '../../src-shared/domain/runQuality';
import { formatTrainingExport } from './seedFiles';

describe('qc export-training: its summary', () => {
  const summary = (curator_unlabelled: number): TrainingExportSummary => ({
    dir: '/out',
    by_class: { '1': 1, '2': 0, '3': 0, '4': 0, '5': 2 },
    agg: { bad: 1, good: 2 },
    copied: 3,
    lists: ['one_download.txt'],
    curator_unlabelled,
    missing: 0,
    urls_skipped: 0,
  });
  it('counts the images a curator unlabelled in the singular and the plural', () => {
    expect(formatTrainingExport(summary(0))).not.toContain('note:');
    expect(formatTrainingExport(summary(1))).toContain("note: 1 rated image a curator unlabelled sits in its rating folder only; re-importing gives it the rule's label");
    expect(formatTrainingExport(summary(3))).toContain("note: 3 rated images a curator unlabelled sit in their rating folder only; re-importing gives them the rule's label");
  });
});
