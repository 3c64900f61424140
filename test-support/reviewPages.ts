/** Walking a gallery query as the renderer does: page by page, each after the last (keyset). */
import { expect } from 'vitest';

/** Every item of a query, `page(offset)` at a time; the total must not change between pages. */
export async function walkPages<T>(page: (offset: number) => Promise<{ total: number; items: T[] }>): Promise<{ total: number; items: T[] }> {
  const items: T[] = [];
  const first = await page(0);
  items.push(...first.items);
  while (items.length < first.total) {
    const next = await page(items.length);
    expect(next.total).toBe(first.total);
    expect(next.items.length).toBeGreaterThan(0);
    items.push(...next.items);
  }
  return { total: first.total, items };
}
