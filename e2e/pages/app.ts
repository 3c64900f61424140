/**
 * Page objects for the Chromium e2e suite: thin wrappers over the renderer's data-testids.
 * Works for browser mode (`qc serve`, a `#token=…` URL) and Electron (a Page from electron.launch).
 */
import { expect, type Dialog, type Locator, type Page } from '@playwright/test';

export type ScreenName = 'review' | 'issues' | 'train' | 'library' | 'export';

export class AppPage {
  constructor(readonly page: Page) {}

  /** Open the browser-mode app: `<baseUrl>/#token=<token>`; waits until the landing screen shows. */
  async open(baseUrl: string, token: string): Promise<void> {
    await this.page.goto(`${baseUrl.replace(/\/$/, '')}/#token=${encodeURIComponent(token)}`);
    await this.waitReady();
  }

  /** Open the URL `qc serve` printed (`http://127.0.0.1:PORT/#token=…`). */
  async openUrl(url: string): Promise<void> {
    await this.page.goto(url);
    await this.waitReady();
  }

  /**
   * Paste `url` into this tab's address bar: on the same address only the hash changes, which the
   * browser does without loading the page (the app reloads itself when a new token arrives).
   */
  async pasteLink(url: string): Promise<void> {
    await this.page.goto(url);
    await this.waitReady();
  }

  /** Open without a token (expects the no-session screen). */
  async openWithoutSession(baseUrl: string): Promise<void> {
    await this.page.goto(baseUrl);
    await expect(this.noSession).toBeVisible();
  }

  async waitReady(): Promise<void> {
    await expect(this.page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
  }

  get noSession(): Locator {
    return this.page.getByTestId('no-session');
  }

  navButton(screen: ScreenName): Locator {
    return this.page.getByTestId(`nav-${screen}`);
  }

  screen(screen: ScreenName): Locator {
    return this.page.getByTestId(`screen-${screen}`);
  }

  async goto(screen: ScreenName): Promise<void> {
    await this.navButton(screen).click();
    await expect(this.screen(screen)).toBeVisible();
  }

  /** The screen now shown. */
  async currentScreen(): Promise<ScreenName | null> {
    for (const s of ['review', 'issues', 'train', 'library', 'export'] as const) {
      if (await this.screen(s).isVisible()) return s;
    }
    return null;
  }

  /**
   * Reload as a curator would (F5): answers the browser's "Leave site?" dialog if it shows (`leave`:
   * reload, else stay) and returns the dialog's type ('beforeunload'), or null when none showed.
   */
  async reloadAnswering(leave: boolean): Promise<string | null> {
    let seen: string | null = null;
    const onDialog = (d: Dialog) => {
      seen = d.type();
      void (leave ? d.accept() : d.dismiss());
    };
    this.page.on('dialog', onDialog);
    try {
      if (leave) await this.page.reload();
      // Stayed: no navigation to wait for (location.reload() returns once the dialog was answered).
      else await this.page.evaluate('window.location.reload()');
    } finally {
      this.page.off('dialog', onDialog);
    }
    if (leave) await this.waitReady();
    return seen;
  }

  get toasts(): Locator {
    return this.page.getByTestId('toast');
  }

  /** Texts of the toasts now shown (optionally only errors). */
  async toastTexts(kind?: 'error' | 'info' | 'success'): Promise<string[]> {
    const loc = kind ? this.page.locator(`[data-testid="toast"][data-kind="${kind}"]`) : this.toasts;
    return (await loc.getByTestId('toast-text').allInnerTexts()).map((t) => t.trim());
  }

  get jobBar(): Locator {
    return this.page.getByTestId('jobbar');
  }

  /** Running jobs in the job bar. */
  async runningJobs(): Promise<number> {
    return Number((await this.jobBar.getAttribute('data-count')) ?? '0');
  }

  async waitForNoJobs(timeout = 120_000): Promise<void> {
    await expect(this.jobBar).toHaveAttribute('data-count', '0', { timeout });
  }

  /** Cancel the first running job whose method matches (e.g. `ml.train`), or the first one. */
  async cancelJob(method?: string): Promise<void> {
    const job = method ? this.page.locator(`[data-testid^="job-"][data-method="${method}"]`).first() : this.page.locator('[data-testid^="job-"][data-method]').first();
    await job.locator('[data-testid^="job-cancel-"]').click();
  }

  /** `open`, `connecting` or `closed` (browser mode's WebSocket). */
  async connection(): Promise<string | null> {
    return this.page.getByTestId('connection').getAttribute('data-state');
  }
}
