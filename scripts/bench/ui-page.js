/* global window, document, performance, requestAnimationFrame, HTMLInputElement, Event */
// In-page measurements for scripts/bench/ui.ts (runs in Chromium, not in Node).
window.qcBench = {
  firstTileReady() {
    const img = document.querySelector('[data-testid="gallery"] [data-testid^="tile-"] img');
    return Boolean(img && img.complete && img.naturalWidth > 0);
  },

  /** `ms` of continuous scrolling, `px` per frame; returns every frame's duration. */
  async scroll(ms, px) {
    const el = document.querySelector('[data-testid="gallery"]');
    const frames = [];
    let last = performance.now();
    const end = last + ms;
    await new Promise((resolve) => {
      const step = (now) => {
        frames.push(now - last);
        last = now;
        el.scrollTop += px;
        if (now < end) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    return frames.slice(1);
  },

  /** `moves` slider input events; for each, the time until the flagged count on screen changes, and the next frame. */
  async slider(moves) {
    const input = document.querySelector('[data-testid="threshold-slider"]');
    const flagged = document.querySelector('[data-testid="threshold-flagged"]');
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    const updates = [];
    const frames = [];
    for (let i = 0; i < moves; i++) {
      const before = flagged.dataset.value;
      const t = performance.now();
      setValue.call(input, String(0.2 + (i % 60) / 100));
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((resolve) => {
        const check = (now) => {
          if (flagged.dataset.value !== before || now - t > 500) {
            updates.push(performance.now() - t);
            resolve();
          } else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      });
      const f0 = performance.now();
      await new Promise((r) => requestAnimationFrame(r));
      frames.push(performance.now() - f0);
    }
    return { updates, frames };
  },
};
