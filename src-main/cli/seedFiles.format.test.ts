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
    damaged: 0,
    damaged_files: [],
    urls_skipped: 0,
  });
  it('counts the images a curator unlabelled in the singular and the plural', () => {
    expect(formatTrainingExport(summary(0))).not.toContain('note:');
    expect(formatTrainingExport(summary(1))).toContain("note: 1 rated image a curator unlabelled sits in its rating folder only; re-importing gives it the rule's label");
    expect(formatTrainingExport(summary(3))).toContain("note: 3 rated images a curator unlabelled sit in their rating folder only; re-importing gives them the rule's label");
  });

  it('says the curator labels it listed in curator_labels.tsv come back on import, in the singular and the plural', () => {
    expect(formatTrainingExport(summary(0))).not.toContain('curator_labels.tsv');
    expect(formatTrainingExport({ ...summary(0), curator_labels: 1 })).toContain('  1 curator label is listed in curator_labels.tsv: importing this folder into a library makes it a curator label again');
    expect(formatTrainingExport({ ...summary(0), curator_labels: 4 })).toContain('  4 curator labels are listed in curator_labels.tsv: importing this folder into a library makes them curator labels again');
  });

  it('warns of originals that no longer match the library, naming them (audit-durable F5)', () => {
    expect(formatTrainingExport(summary(0))).not.toContain('warning:');
    const damaged = { ...summary(0), damaged: 2, damaged_files: [{ image_id: 4, path: '/lib/originals/ab/x.jpg', why: 'it has 8 bytes, the library recorded 51234' }, { image_id: 6, path: '/lib/originals/cd/y.jpg', why: 'its content differs from the picture the library recorded (another sha256)' }] };
    expect(formatTrainingExport(damaged)).toContain(
      '  warning: 2 images have an original that no longer matches the library\'s record (size or sha256): left out of the image folders (their URLs are in the download lists); image 4, /lib/originals/ab/x.jpg: it has 8 bytes, the library recorded 51234; image 6, /lib/originals/cd/y.jpg: its content differs from the picture the library recorded (another sha256)',
    );
    expect(formatTrainingExport({ ...damaged, damaged: 5 })).toMatch(/another sha256\); …$/);
  });
});
