/**
 * Set-up for every renderer test file (vitest runs setupFiles once per file). The renderer's files
 * share their worker's modules and, with them, vitest's DOM environment: one document, one
 * localStorage, one URL for all the files a worker runs. So each file starts on a new page, as a
 * reload would give it: storage cleared, the URL back to `/`, the body empty, the renderer's
 * page-lifetime state made afresh (src-renderer/stores/perPage.ts). After each test, what it
 * rendered is unmounted and the cores `setup()` opened are closed. A hook registered where a shared
 * module is first imported (render.tsx, testing-library) would reach only a worker's first file.
 */
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { newPage } from '../../src-renderer/stores/perPage';
import { closeOpened } from './opened';

if (typeof document !== 'undefined') {
  localStorage.clear();
  sessionStorage.clear();
  window.history.replaceState(null, '', '/');
  document.body.replaceChildren();
}
newPage();

afterEach(async () => {
  cleanup();
  await closeOpened();
});
