/**
 * The verdicts (`ml.reviewIssues`) this window has sent whose announcement by the core is still to
 * come. The core announces every verdict (`library.changed` 'issues' naming its images) so that
 * other windows follow; this window's views followed when the answer came, so its own echo must not
 * reload them again (that blanked the gallery a moment after each verdict and lost the curator's
 * next click). One per client; the sender (features/issues/openIssues.ts sendVerdict) expects and
 * forgets, the reaction to library changes (stores/ui.ts) asks `isEcho`. Kept apart from both so
 * that the stores do not import a feature module.
 */
import type { ApiClient } from '../api/client';
import type { IssueReviewAction } from '../../src-shared/domain/ml';

export interface VerdictMark {
  ids: ReadonlySet<number>;
  action: IssueReviewAction;
}

/** How long after its answer a verdict's echo is still awaited (the core sends it before the answer on every transport; this is slack). */
export const ECHO_GRACE_MS = 1000;

export class VerdictEchoes {
  private sent: VerdictMark[] = [];

  /** A verdict is about to be sent: its announcements (one per mark) are this window's own. */
  expect(marks: VerdictMark[]): void {
    this.sent.push(...marks);
    if (this.sent.length > 16) this.sent.splice(0, this.sent.length - 16);
  }

  /**
   * The call answered (or was refused): whatever of its announcements did not come (none comes for a
   * verdict that changed nothing, nor names images past the core's limit) is not awaited any more,
   * else it would swallow another window's later verdict on the same images.
   */
  forget(marks: VerdictMark[], afterMs = ECHO_GRACE_MS): void {
    const drop = () => {
      this.sent = this.sent.filter((m) => !marks.includes(m));
    };
    if (afterMs <= 0) drop();
    else setTimeout(drop, afterMs);
  }

  /**
   * Whether a verdict the core announced was sent from this window (it is forgotten then). The core
   * names only the images whose verdict changed: a subset of those sent.
   */
  isEcho(reviewed: { imageIds: readonly number[]; action: IssueReviewAction }): boolean {
    const i = this.sent.findIndex((m) => m.action === reviewed.action && reviewed.imageIds.every((id) => m.ids.has(id)));
    if (i < 0) return false;
    this.sent.splice(i, 1);
    return true;
  }
}

const echoes = new WeakMap<ApiClient, VerdictEchoes>();
export function verdictEchoes(client: ApiClient): VerdictEchoes {
  let e = echoes.get(client);
  if (!e) echoes.set(client, (e = new VerdictEchoes()));
  return e;
}
