/** The labels' slice of the API. */
import type { HandlersOf, LabelsApi } from '../../../src-shared/contract/handlers';
import type { CoreContext } from '../context';
import { sameRule } from '../../../src-shared/domain/label';

export function labelHandlers(core: CoreContext): HandlersOf<LabelsApi> {
  const { labels, events } = core;
  return {
    'labels.set': async ({ imageIds, label }) => {
      const result = labels.set(imageIds, label);
      if (result.changed.length) events.emit('label.changed', { changes: result.changed });
      return result;
    },
    'labels.undo': async ({ batchId }) => {
      const result = labels.undo(batchId);
      if (result.changed.length) events.emit('label.changed', { changes: result.changed });
      return result;
    },
    'labels.getRule': async () => labels.rule(),
    'labels.setRule': async ({ rule, expected }, ctx) => {
      const before = labels.rule();
      const result = await labels.setRule(rule, expected, {
        signal: ctx.signal,
        progress: (done, total) => ctx.progress({ job: 'rule', phase: 'labels', done, total }),
      });
      // Up to every label of the library changed: one event, not a million changes. A new rule that
      // changed no label is announced too, so other windows show the rule in force.
      if (result.relabelled || !sameRule(before, result.rule)) events.emit('library.changed', { reason: 'rule' });
      return result;
    },
  };
}
