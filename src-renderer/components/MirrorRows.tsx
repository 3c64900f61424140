import type { MirrorRow } from '../stores/types';

interface Props {
  rows: MirrorRow[];
  onChange(rows: MirrorRow[]): void;
  /** testid prefix: `<prefix>-prefix-<i>`, `<prefix>-dir-<i>`, `<prefix>-add`, `<prefix>-remove-<i>`. */
  testId: string;
}

/** Editable `PREFIX=DIR` rows: URLs starting with PREFIX are read from files under DIR. */
export function MirrorRows({ rows, onChange, testId }: Props) {
  const update = (i: number, patch: Partial<MirrorRow>) => onChange(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)));
  return (
    <div className="mirrors">
      {rows.map((row, i) => (
        <div className="mirrors__row" key={i}>
          <input
            className="input input--grow"
            placeholder="URL prefix, e.g. https://content.eol.org/data/media/  (or PREFIX=DIR)"
            value={row.prefix}
            onChange={(e) => update(i, { prefix: e.target.value })}
            data-testid={`${testId}-prefix-${i}`}
            aria-label={`Mirror ${i + 1} URL prefix`}
          />
          <span className="mirrors__eq">=</span>
          <input
            className="input input--grow"
            placeholder="local folder"
            value={row.dir}
            onChange={(e) => update(i, { dir: e.target.value })}
            data-testid={`${testId}-dir-${i}`}
            aria-label={`Mirror ${i + 1} folder`}
          />
          <button type="button" className="btn btn--ghost" onClick={() => onChange(rows.filter((_, k) => k !== i))} data-testid={`${testId}-remove-${i}`} title="Remove this mirror" aria-label={`Remove mirror ${i + 1}${row.prefix.trim() ? ` (${row.prefix.trim()})` : ''}`}>
            ×
          </button>
        </div>
      ))}
      <button type="button" className="btn btn--ghost btn--small" onClick={() => onChange([...rows, { prefix: '', dir: '' }])} data-testid={`${testId}-add`}>
        + mirror
      </button>
    </div>
  );
}
