import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ETA_AFTER_S, etaWords, phaseEta, progressView } from './progress';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('progressView', () => {
  it('says a phase without a count once, in words (a wait for another process is not a silent hang)', () => {
    const out = sink();
    const view = progressView(true, out.stream);
    const waiting = { job: 'embed', phase: 'waiting', done: 0, total: 0, message: 'waiting for the embedding another process (pid 42) is running on this library' };
    view.update(waiting);
    view.update(waiting);
    view.update({ job: 'embed', phase: 'waiting', done: 0, total: 0 });
    view.stop();
    expect(out.text()).toBe('embed waiting: waiting for the embedding another process (pid 42) is running on this library\n');
  });

  it("names a phase by its job alone where the two are the same word, in a line and on a bar", () => {
    const out = sink();
    // cli-progress draws its bars only on a terminal.
    const view = progressView(true, Object.assign(out.stream, { isTTY: true, columns: 120 }));
    view.update({ job: 'embed', phase: 'embed', done: 0, total: 0, message: 'computing the features of images not yet cached' });
    view.update({ job: 'train', phase: 'evaluate', done: 0, total: 0, message: 'evaluating on held-out images' });
    view.update({ job: 'embed', phase: 'embed', done: 1, total: 4 });
    view.update({ job: 'train', phase: 'augment', done: 1, total: 4 });
    view.stop();
    const text = out.text();
    expect(text.startsWith('embed: computing the features of images not yet cached\ntrain evaluate: evaluating on held-out images\n')).toBe(true);
    expect(text).not.toContain('embed embed');
    // Both bars start at the same column: "embed" padded as far as "train augment  ".
    expect(text).toContain('embed           [');
    expect(text).toContain('train augment   [');
  });

  it('prints no ETA while there is no finite estimate (no progress yet), never "eta NFs"; one once there is', async () => {
    const out = sink();
    const view = progressView(true, Object.assign(out.stream, { isTTY: true, columns: 120 }));
    view.update({ job: 'embed', phase: 'embed', done: 0, total: 60 });
    // Time passed and nothing was done: cli-progress's estimate is infinite (drawn after its 100 ms throttle).
    await new Promise((r) => setTimeout(r, 150));
    view.update({ job: 'embed', phase: 'embed', done: 0, total: 60 });
    await new Promise((r) => setTimeout(r, 150));
    const stalled = out.text();
    expect(stalled).toContain('0/60');
    expect(stalled).not.toMatch(/NF|INF|NULL/);
    expect(stalled).not.toContain('eta');
    // Half done at once: too soon for an estimate (it said "eta 0s").
    view.update({ job: 'embed', phase: 'embed', done: 30, total: 60 });
    await new Promise((r) => setTimeout(r, 150));
    const early = out.text();
    expect(early).not.toContain('eta');
    await new Promise((r) => setTimeout(r, ETA_AFTER_S * 1000));
    view.update({ job: 'embed', phase: 'embed', done: 31, total: 60 });
    view.stop();
    expect(out.text().slice(early.length)).toMatch(/31\/60 \d+% \| eta \d+s/);
  });

  it('says failures once there are some, and a later phase does not say "failed 0" after them', () => {
    const out = sink();
    const view = progressView(true, Object.assign(out.stream, { isTTY: true, columns: 120 }));
    view.update({ job: 'classify', phase: 'download', done: 0, total: 10 });
    view.update({ job: 'classify', phase: 'download', done: 10, total: 10, failed: 3 });
    view.update({ job: 'classify', phase: 'score', done: 5, total: 7, failed: 0 });
    view.stop();
    expect(out.text()).toContain('10/10 100% | failed 3');
    expect(out.text()).not.toContain('failed 0');
  });

  it("estimates from the phase's average rate since it began, not from its last few steps", () => {
    const began = { at: 0, done: 0 };
    // 100 of 1,000 in 100 s: 900 s left, however the last steps went.
    expect(phaseEta(began, 100_000, 100, 1_000)).toBeCloseTo(900, 6);
    // A burst of instant steps (URLs of pictures already stored) moves it only by what they are worth.
    expect(phaseEta(began, 100_010, 200, 1_000)).toBeCloseTo(800 / (200 / 100.01), 6);
    expect(phaseEta(began, 0, 0, 1_000)).toBeNull();
    expect(phaseEta({ at: 5_000, done: 40 }, 10_000, 40, 100)).toBeNull();
    // Not at a phase's first instants (it said "eta 0s"): 2 s in, and 1% of the phase moved.
    expect(phaseEta(began, 50, 3, 1_000)).toBeNull();
    expect(phaseEta(began, 1_999, 300, 1_000)).toBeNull();
    expect(phaseEta(began, 2_000, 9, 1_000)).toBeNull();
    expect(phaseEta(began, 2_000, 10, 1_000)).toBeCloseTo(990 / 5, 6);
    expect([etaWords(42.4), etaWords(315), etaWords(7_380)]).toEqual(['42s', '5m15s', '2h03m']);
  });

  it('says a warning once, on a line of its own, and the bar goes on under it with its phase\'s start kept', () => {
    const out = sink();
    const view = progressView(true, Object.assign(out.stream, { isTTY: true, columns: 120 }));
    view.update({ job: 'import', phase: 'download', done: 1, total: 40 });
    view.update({ job: 'import', phase: 'download', done: 21, total: 40, warning: 'the mirror folder held none of the 20 pictures its prefix named' });
    view.update({ job: 'import', phase: 'download', done: 30, total: 40, warning: 'the mirror folder held none of the 20 pictures its prefix named' });
    view.stop();
    const text = out.text();
    expect(text.split('import download: warning: the mirror folder held none of the 20 pictures its prefix named\n')).toHaveLength(2);
    expect(text.slice(text.indexOf('warning:'))).toContain('30/40');
  });

  it('writes nothing where stderr is not a terminal', () => {
    const out = sink();
    const view = progressView(false, out.stream);
    view.update({ job: 'embed', phase: 'waiting', done: 0, total: 0, message: 'waiting' });
    view.update({ job: 'embed', phase: 'embed', done: 1, total: 2 });
    view.stop();
    expect(out.text()).toBe('');
  });
});
