/** Browser mode's guards, seen from real Chromium: no token, foreign origin, path traversal. */
import { expect, test } from '@playwright/test';
import { AppPage } from './pages/app';
import { startServe, type Served } from './support/serve';

let served: Served;
test.beforeAll(async () => {
  served = await startServe();
});
test.afterAll(async () => served?.stop());

test('without the token the page loads no library data and says how to get the link', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const app = new AppPage(page);
  await app.openWithoutSession(served.origin);
  await expect(page.getByTestId('no-session')).toContainText('qc serve');
  expect(requests.filter((u) => u.includes('/api') || u.includes('/files/'))).toEqual([]);
});

test('the API and files refuse requests without the token, from other origins, and traversal', async ({ request }) => {
  expect((await request.get(`${served.origin}/files/thumb/1`)).status()).toBe(401);
  expect((await request.get(`${served.origin}/files/thumb/1?t=wrong`)).status()).toBe(401);
  expect((await request.get(`${served.origin}/files/thumb/1?t=${served.token}`, { headers: { origin: 'http://evil.example' } })).status()).toBe(403);
  for (const p of ['/files/thumb/..%2F..%2Flibrary.sqlite', '/files/thumb/1/../../library.sqlite', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2F..%2Fpackage.json']) {
    const status = (await request.get(`${served.origin}${p}${p.includes('?') ? '&' : '?'}t=${served.token}`)).status();
    expect([400, 403, 404]).toContain(status);
  }
});
