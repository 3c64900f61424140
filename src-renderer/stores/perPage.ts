/**
 * State that lasts as long as the page (one load of the renderer), for the few habits and once-only
 * reads that are not the app store's (each window's store is made afresh, and so is each test's).
 * In the app a page's modules are evaluated once, so a module variable would do; the renderer's
 * tests share their modules and their DOM environment across test files, and a module variable
 * carried one file's choices (auto-advance on) into the next. So the state is kept per page, and
 * the tests' per-file set-up (test-support/renderer/pagePerFile.ts) starts a new page with
 * `newPage()`, as a reload would. The app never calls it.
 */
let page: object = {};

export function newPage(): void {
  page = {};
}

export function perPage<T>(init: () => T): () => T {
  const pages = new WeakMap<object, T>();
  return () => {
    if (!pages.has(page)) pages.set(page, init());
    return pages.get(page)!;
  };
}
