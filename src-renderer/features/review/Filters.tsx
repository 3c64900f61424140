import { useEffect, useRef, useState } from 'react';
import { useApp, useAppStore } from '../../stores/app';
import type { GalleryFilters, ViewKey } from '../../stores/review';

interface Props {
  view: ViewKey;
  /** Predicted/outcome/sort make no sense on the ranked issues list. */
  full: boolean;
}

function Select<K extends keyof GalleryFilters>({ view, name, options, label }: { view: ViewKey; name: K; options: [GalleryFilters[K], string][]; label: string }) {
  const store = useAppStore();
  const value = useApp((s) => s.views[view].filters[name]);
  return (
    <label className="field field--inline">
      <span className="field__label">{label}</span>
      <select
        className="select"
        value={String(value)}
        onChange={(e) => store.getState().setFilters(view, { [name]: e.target.value } as Partial<GalleryFilters>)}
        data-testid={`filter-${String(name)}`}
      >
        {options.map(([v, text]) => (
          <option key={String(v)} value={String(v)}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Only the images of one import or one bundle. */
function SourceFilter({ view }: { view: ViewKey }) {
  const store = useAppStore();
  const value = useApp((s) => s.views[view].filters.source ?? '');
  const sources = useApp((s) => s.sources);
  useEffect(() => {
    if (!store.getState().sources) void store.getState().loadSources();
  }, [store]);
  const short = (p: string) => p.split(/[\\/]/).filter(Boolean).slice(-2).join('/');
  return (
    <label className="field field--inline">
      <span className="field__label">From</span>
      <select className="select" value={value} onChange={(e) => store.getState().setFilters(view, { source: e.target.value })} data-testid="filter-source">
        <option value="">every import</option>
        {sources?.imports.map((i) => (
          <option key={`i${i.id}`} value={`import:${i.id}`}>
            import {i.id}: {short(i.source)} ({i.images})
          </option>
        ))}
        {sources?.bundles.map((b) => (
          <option key={`b${b.id}`} value={`bundle:${b.id}`}>
            bundle {b.name} ({b.rows} rows)
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Whether `text` asks for another taxon than the filter in force: the query trims it, so a space
 * typed, or Enter on what is already applied, is not a new query (that reset the selection, the
 * focus and the scroll position for the same images).
 */
const otherTaxon = (text: string, value: string) => text.trim() !== value.trim();

/** The taxon filter applies after typing pauses. */
function TaxonFilter({ view }: { view: ViewKey }) {
  const store = useAppStore();
  const value = useApp((s) => s.views[view].filters.taxon);
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (!otherTaxon(text, value)) return;
    const t = setTimeout(() => store.getState().setFilters(view, { taxon: text }), 350);
    return () => clearTimeout(t);
  }, [text, value, store, view]);
  // Text typed within the pause before the box goes (another screen) is applied then, not dropped,
  // unless the filter changed elsewhere meanwhile.
  const pending = useRef({ text, value });
  useEffect(() => {
    pending.current = { text, value };
  }, [text, value]);
  useEffect(
    () => () => {
      const { text, value } = pending.current;
      if (otherTaxon(text, value) && store.getState().views[view].filters.taxon === value) store.getState().setFilters(view, { taxon: text });
    },
    [store, view],
  );
  return (
    <label className="field field--inline">
      <span className="field__label">Taxon</span>
      <input
        className="input input--taxon"
        type="search"
        placeholder="e.g. Quercus"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && otherTaxon(text, value)) store.getState().setFilters(view, { taxon: text });
        }}
        data-testid="filter-taxon"
      />
    </label>
  );
}

export function Filters({ view, full }: Props) {
  const scored = useApp((s) => s.scoresStatus === 'ready');
  return (
    <div className="filters" data-testid="filters">
      {full && scored && (
        <Select
          view={view}
          name="predicted"
          label="Predicted"
          options={[
            ['bad', 'bad'],
            ['good', 'good'],
            ['all', 'all'],
          ]}
        />
      )}
      {full && (
        <Select
          view={view}
          name="outcome"
          label="Outcome"
          options={[
            ['all', 'all'],
            ['tp', 'flagged, bad (TP)'],
            ['fp', 'flagged, good (FP)'],
            ['tn', 'passed, good (TN)'],
            ['fn', 'passed, bad (FN)'],
            ['unlabeled', 'unlabelled'],
          ]}
        />
      )}
      <Select
        view={view}
        name="label"
        label="Label"
        options={[
          ['any', 'any'],
          ['bad', 'bad'],
          ['good', 'good'],
          ['none', 'none'],
        ]}
      />
      <Select
        view={view}
        name="origin"
        label="Origin"
        options={[
          ['any', 'any'],
          ['import', 'import'],
          ['curator', 'curator'],
        ]}
      />
      <TaxonFilter view={view} />
      <SourceFilter view={view} />
      {full && (
        <>
          <Select
            view={view}
            name="sort"
            label="Sort"
            options={[
              ['confidence', 'p(bad)'],
              ['issue-rank', 'issue rank'],
              ['id', 'image id'],
            ]}
          />
          <Select
            view={view}
            name="order"
            label="Order"
            options={[
              ['desc', 'high first'],
              ['asc', 'low first'],
            ]}
          />
        </>
      )}
    </div>
  );
}
