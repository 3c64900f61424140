import { expect, test } from 'vitest';
import { newPage, perPage } from './perPage';

test('each page gets state of its own, made once, and keeps it until a new page', () => {
  let made = 0;
  const state = perPage(() => ({ n: ++made }));
  newPage();
  const first = state();
  first.n = 10;
  expect(state()).toBe(first);
  newPage();
  expect(state()).toEqual({ n: 2 });
  expect(made).toBe(2);
});
