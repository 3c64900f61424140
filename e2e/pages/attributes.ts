import type { Locator } from '@playwright/test';

/** One attribute of every element a locator matches, in document order ('' where absent). */
export async function attributes(locator: Locator, name: string): Promise<string[]> {
  return locator.evaluateAll((els, attr) => els.map((e) => (e as unknown as { getAttribute(n: string): string | null }).getAttribute(attr) ?? ''), name);
}
