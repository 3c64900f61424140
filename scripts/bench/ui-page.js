/* global window, document, performance, requestAnimationFrame, HTMLImageElement, HTMLInputElement, HTMLSelectElement, Event, KeyboardEvent */
// In-page measurements for scripts/bench/ui.ts (runs in Chromium, not in Node).
// When the first gallery thumbnail finished loading, in the page's own clock (ms since navigation
// started): measured here, not by polling from Node, whose event loop the server shares in bench:ui
// (a long synchronous query there would delay the poll's answer, not the paint).
let firstTileAt = null;
document.addEventListener(
  'load',
  (e) => {
    const img = e.target;
    if (firstTileAt === null && img instanceof HTMLImageElement && img.naturalWidth > 0 && img.closest('[data-testid="gallery"] [data-testid^="tile-"]')) firstTileAt = performance.now();
  },
  true,
);

window.qcBench = {
  firstTileReady() {
    const img = document.querySelector('[data-testid="gallery"] [data-testid^="tile-"] img');
    return Boolean(img && img.complete && img.naturalWidth > 0);
  },

  /** ms from navigation to the first thumbnail loaded (null before). */
  firstTileAt() {
    return firstTileAt;
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

  /**
   * A filter change as a curator makes it: a select (`filter-NAME`) or the taxon box (typed, then
   * Enter). Returns ms until the gallery shows the new answer: its total changed (or `sameTotal`)
   * and a first tile of the new results has its thumbnail decoded (or the empty message shows);
   * `tilesMs`: until the new results' tiles are in the grid (their thumbnails still loading).
   */
  async filter(name, value) {
    const gallery = document.querySelector('[data-testid="gallery"]');
    const before = gallery.dataset.total;
    const el = document.querySelector(`[data-testid="filter-${name}"]`);
    const t = performance.now();
    if (el.tagName === 'SELECT') {
      const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
      set.call(el, value);
      el.dispatchEvent(new Event('change', { bubbles: true }));
    } else {
      const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      set.call(el, value);
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    }
    return new Promise((resolve) => {
      let tilesMs = null;
      const check = () => {
        const now = performance.now();
        const total = gallery.dataset.total;
        const img = gallery.querySelector('[data-testid^="tile-"] img');
        // When the new answer's tiles are in the grid (before their thumbnails decode).
        if (tilesMs === null && total !== before && total !== '' && (total === '0' || img)) tilesMs = now - t;
        const shown = total === '0' || (img && img.complete && img.naturalWidth > 0);
        if ((total !== before && total !== '' && shown) || now - t > 30000) resolve({ ms: now - t, tilesMs: tilesMs ?? now - t, total: Number(total) });
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
  },

  /** Scroll to the very bottom of the grid; ms until the last tile's thumbnail shows. */
  async toBottom() {
    const el = document.querySelector('[data-testid="gallery"]');
    const total = Number(el.dataset.total);
    const t = performance.now();
    el.scrollTop = el.scrollHeight;
    return new Promise((resolve) => {
      const check = () => {
        const now = performance.now();
        const last = el.querySelector(`[data-index="${total - 1}"] img, [data-testid^="tile-"][data-index="${total - 1}"] img`);
        if ((last && last.complete && last.naturalWidth > 0) || now - t > 30000) resolve({ ms: now - t, reached: Boolean(last) });
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
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
      // Slider positions (steps of its log-odds grid): 350 … 645, p(bad) ≈ 0.18 … 0.98.
      setValue.call(input, String(350 + (i % 60) * 5));
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
