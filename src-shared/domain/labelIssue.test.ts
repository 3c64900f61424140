import { describe, expect, it } from 'vitest';
import { issueWhy } from './labelIssue';
import type { LabelIssue } from './ml';

const issue = (over: Partial<LabelIssue> = {}): LabelIssue => ({
  rank: 1, image_id: 7, given: 'good', suggested: 'bad', self_confidence: 0.1, p_bad: 0.934, url: null, ...over,
});

describe('issueWhy', () => {
  it("names the label, the suggestion, the label issues' own held-out p(bad) (not the run's) and the ratings behind the label", () => {
    const why = issueWhy(issue({ rating: 4.25, rating_count: 4, rating_spread: 0.5, weight: 0.8 }));
    expect(why).toBe("labelled good, looks bad: the label issues' own held-out p(bad) 0.934; rating 4.25 from 4 rating rows, spread ±0.50; label weight 0.80");
  });
  it('says when a curator gave the label, when there is one rating row or none, and when the issue is beyond the estimate', () => {
    expect(issueWhy(issue({ origin: 'curator' }))).toContain('labelled good by a curator, looks bad:');
    expect(issueWhy(issue())).toContain('; no ratings');
    expect(issueWhy(issue({ rating: 2, rating_count: 1 }))).toContain('rating 2.00 (1 rating row)');
    expect(issueWhy(issue({ rating: 2, rating_count: 3 }))).not.toMatch(/rater/);
    expect(issueWhy(issue({ beyond_estimate: true }))).toContain('looks bad (beyond the estimate of wrong labels):');
    expect(issueWhy(issue({ beyond_estimate: false }))).not.toContain('beyond');
  });
  it('says how many other versions of the photo with the same label are suspected too', () => {
    expect(issueWhy(issue({ shared_versions: 0 }))).toBe("labelled good, looks bad: the label issues' own held-out p(bad) 0.934; no ratings");
    expect(issueWhy(issue({ shared_versions: 1 }))).toMatch(/; 1 other version of this photo labelled good is suspected too: the model may misread the photo$/);
    expect(issueWhy(issue({ shared_versions: 3, given: 'bad', suggested: 'good', p_bad: 0.1 }))).toContain('; 3 other versions of this photo labelled bad are suspected too');
  });
  it('leaves "beyond the estimate" out when the caller shows it already', () => {
    expect(issueWhy(issue({ beyond_estimate: true }), { beyondShown: true })).toBe("labelled good, looks bad: the label issues' own held-out p(bad) 0.934; no ratings");
    // Near 0 or 1, as many decimals as tell two suspects apart.
    expect(issueWhy(issue({ p_bad: 0.99987 }))).toContain("the label issues' own held-out p(bad) 0.99987;");
    // Near 0.5, never rounded onto it from either side (a tie it is not).
    expect(issueWhy(issue({ given: 'bad', suggested: 'good', p_bad: 0.49994 }))).toContain("the label issues' own held-out p(bad) 0.4999;");
    expect(issueWhy(issue({ p_bad: 0.5031 }))).toContain("the label issues' own held-out p(bad) 0.503;");
    expect(issueWhy(issue({ p_bad: 0.51 }))).toContain("the label issues' own held-out p(bad) 0.51;");
    expect(issueWhy(issue({ p_bad: 0.0004, given: 'bad', suggested: 'good' }))).toContain("the label issues' own held-out p(bad) 0.00040;");
  });
  it('says a label with no ratings came from its folder when a folder import gave it, without its rule weight of 1', () => {
    expect(issueWhy(issue({ weight: 1, label_from_folder: true }))).toBe("labelled good, looks bad: the label issues' own held-out p(bad) 0.934; label from its folder");
    expect(issueWhy(issue({ weight: 1, label_from_folder: false }))).toBe("labelled good, looks bad: the label issues' own held-out p(bad) 0.934; no ratings; label weight 1.00");
    // Ratings, when there are any, are what the weight rests on.
    expect(issueWhy(issue({ weight: 0.6, rating: 4, rating_count: 1, label_from_folder: true }))).toContain('rating 4.00 (1 rating row); label weight 0.60');
  });
});
