import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressView } from './progress';

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

  it('writes nothing where stderr is not a terminal', () => {
    const out = sink();
    const view = progressView(false, out.stream);
    view.update({ job: 'embed', phase: 'waiting', done: 0, total: 0, message: 'waiting' });
    view.update({ job: 'embed', phase: 'embed', done: 1, total: 2 });
    view.stop();
    expect(out.text()).toBe('');
  });
});
