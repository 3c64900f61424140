import type { LabelIssue } from './ml';
import { formatProbability } from './threshold';
import { countOf, noun } from './words';

/**
 * Why an image is suspected, in one line a curator reads: the given label (and who gave it), what
 * the held-out prediction suggests, whether it lies beyond confident learning's estimate of wrong
 * labels, the label issues' own held-out p(bad) (their out-of-fold pass, not the run's p(bad) the
 * tiles and the threshold use), the rating rows behind the label (or the folder that gave it), the
 * label's training weight, and the other versions of the photo still suspected with it.
 * One wording for the CLI (`qc issues`) and the Label issues screen; the screen and the preview add
 * the run's p(bad) shown on the tile beside it and its side of the threshold, since the two passes
 * can disagree (src-renderer/features/issues/issueWhyLine.tsx). `opts.beyondShown`: the caller
 * already says the issue lies beyond the estimate (a list under its own heading), so the line
 * doesn't repeat it.
 */
export function issueWhy(i: LabelIssue, opts: { beyondShown?: boolean } = {}): string {
  // Two digits of the distance to 0 or 1: a label contradicted at p 0.0003 is a stronger suspect than one at 0.04.
  // Named for what it is: the p(bad) of the label issues' own out-of-fold pass (README, Label
  // issues), not the run's p(bad) that the tiles, the preview and the threshold use.
  // … and never rounded onto 0.5 from either side (0.49994 is not a tie beside "looks good").
  let pText = formatProbability(i.p_bad, 2);
  for (let d = 3; d <= 8 && Number(pText) === 0.5 && i.p_bad !== 0.5; d++) pText = i.p_bad.toFixed(d);
  const p = `the label issues' own held-out p(bad) ${pText}`;
  // Each rating row is one input row's overall rating (EOL's mean of its raters), not one rater.
  let ratings = 'no ratings';
  if (i.rating !== null && i.rating !== undefined) {
    ratings = `rating ${i.rating.toFixed(2)}`;
    if (i.rating_count && i.rating_count > 1) ratings += ` from ${i.rating_count} rating rows${i.rating_spread != null ? `, spread ±${i.rating_spread.toFixed(2)}` : ''}`;
    else ratings += ' (1 rating row)';
  }
  // A label a folder import gave (its class folder) with no ratings: said so, its weight is 1 by rule.
  const folder = ratings === 'no ratings' && i.label_from_folder === true;
  if (folder) ratings = 'label from its folder';
  const beyond = i.beyond_estimate && !opts.beyondShown ? ' (beyond the estimate of wrong labels)' : '';
  const shared = i.shared_versions ? `; ${countOf(i.shared_versions, 'other version')} of this photo labelled ${i.given} ${noun(i.shared_versions, 'is', 'are')} suspected too: the model may misread the photo` : '';
  return `labelled ${i.given}${i.origin === 'curator' ? ' by a curator' : ''}, looks ${i.suggested}${beyond}: ${p}; ${ratings}${i.weight != null && !folder ? `; label weight ${i.weight.toFixed(2)}` : ''}${shared}`;
}
