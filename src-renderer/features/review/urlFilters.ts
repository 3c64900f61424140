/**
 * The Review filters live in the page's URL (`#review=…`), so a reload or a shared link keeps them.
 * Only filters that differ from the defaults are written. The URL carries no token: the client
 * took it out of the address bar before the page rendered (api/client.ts `takeToken`; only a tab
 * that cannot keep it in sessionStorage leaves it there, where a reload needs it).
 */
import { useEffect } from 'react';
import { useAppStore } from '../../stores/app';
import { perPage } from '../../stores/perPage';
import { DEFAULT_FILTERS, type GalleryFilters, type ViewKey } from '../../stores/review';

const KEYS: (keyof GalleryFilters)[] = ['predicted', 'outcome', 'taxon', 'origin', 'label', 'sort', 'order', 'source'];

/** The filters that differ from the view's defaults, as a compact query string (`outcome=fp&taxon=Quercus`). */
export function encodeFilters(view: ViewKey, f: GalleryFilters): string {
  const d = DEFAULT_FILTERS[view];
  const p = new URLSearchParams();
  for (const k of KEYS) {
    const v = f[k] ?? '';
    if (v !== (d[k] ?? '')) p.set(k, String(v));
  }
  return p.toString();
}

/** Filters from the URL, keeping only known keys with allowed values. */
export function decodeFilters(encoded: string): Partial<GalleryFilters> {
  const p = new URLSearchParams(encoded);
  const out: Partial<GalleryFilters> = {};
  const pick = <K extends keyof GalleryFilters>(k: K, allowed: readonly string[] | null) => {
    const v = p.get(k);
    if (v === null || (allowed && !allowed.includes(v))) return;
    (out as Record<string, string>)[k] = v;
  };
  pick('predicted', ['bad', 'good', 'all']);
  pick('outcome', ['all', 'tp', 'fp', 'tn', 'fn', 'unlabeled']);
  pick('origin', ['import', 'curator', 'any']);
  pick('label', ['good', 'bad', 'none', 'any']);
  pick('sort', ['confidence', 'issue-rank', 'id']);
  pick('order', ['asc', 'desc']);
  pick('taxon', null);
  if (/^(import|bundle):\d+$/.test(p.get('source') ?? '')) pick('source', null);
  return out;
}

/** Replace `view=` in a hash (`#review=…&issues=…`), keeping every other parameter. */
export function withViewInHash(hash: string, view: ViewKey, encoded: string): string {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  if (encoded) params.set(view, encoded);
  else params.delete(view);
  const s = params.toString();
  return s ? `#${s}` : '';
}

const readOnce = perPage(() => new Set<ViewKey>());

/** Read the view's filters from the URL once, then keep the URL in step with them. */
export function useFiltersInUrl(view: ViewKey): void {
  const store = useAppStore();
  useEffect(() => {
    if (typeof window === 'undefined') return;
    // The URL's filters apply once per page load (a reload or a shared link), not every time the
    // screen shows again: by then the store holds the newer choice.
    const fromUrl = readOnce().has(view) ? null : new URLSearchParams(window.location.hash.replace(/^#/, '')).get(view);
    readOnce().add(view);
    if (fromUrl) {
      const f = decodeFilters(fromUrl);
      if (Object.keys(f).length) store.getState().setFilters(view, f);
    }
    const write = (encoded: string) => {
      const hash = withViewInHash(window.location.hash, view, encoded);
      if (hash === window.location.hash || (hash === '' && window.location.hash === '')) return;
      window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${hash}`);
    };
    // Filters set before this screen showed (e.g. from the evaluation panel) go into the URL now.
    let last = encodeFilters(view, store.getState().views[view].filters);
    write(last);
    return store.subscribe((s) => {
      const now = encodeFilters(view, s.views[view].filters);
      if (now === last) return;
      last = now;
      write(now);
    });
  }, [store, view]);
}
