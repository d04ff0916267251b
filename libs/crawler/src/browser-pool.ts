import type { ChildProcess } from 'node:child_process';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export interface BrowserPoolOptions {
  /** Chromium binary (AppConfig.chromePath). */
  executablePath: string;
  /** Tabs in use at once. */
  size?: number;
  /** A tab is closed and replaced after this many pages (bounds memory that leaks across navigations). */
  maxUsesPerTab?: number;
  launchTimeoutMs?: number;
}

/** Flags of DESIGN.md "Machine facts": no sandbox in containers, no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--disable-sync',
  '--no-first-run',
  '--mute-audio',
  '--headless',
];

interface Tab {
  page: Page;
  browser: Browser;
  uses: number;
}

/**
 * One Chromium with a bounded pool of tabs. The browser is launched on first
 * use and relaunched when it crashed; a tab is reused (navigated to
 * about:blank in between), closed when a page failed in it or after
 * `maxUsesPerTab` pages, and every tab and the browser process are closed by
 * `close()`, which kills Chromium if it does not exit by itself.
 */
export class BrowserPool {
  private browser?: Browser;
  private launching?: Promise<Browser>;
  private idle: Tab[] = [];
  private inUse = 0;
  private readonly waiters: Array<() => void> = [];
  private closed = false;
  private readonly size: number;
  private readonly maxUses: number;
  /** Counters for tests and the benchmark. */
  readonly stats = { launches: 0, tabsOpened: 0, tabsClosed: 0, crashes: 0 };
  private readonly processes = new Set<ChildProcess>();

  constructor(private readonly options: BrowserPoolOptions) {
    this.size = options.size ?? 2;
    this.maxUses = options.maxUsesPerTab ?? 100;
  }

  /** The running Chromium's process id, if one is running. */
  get pid(): number | undefined {
    return this.browser?.process()?.pid;
  }

  /** Kills the running Chromium as a crash would (tests). */
  crashForTest(): void {
    this.browser?.process()?.kill('SIGKILL');
  }

  private async ensureBrowser(): Promise<Browser> {
    if (this.browser?.connected) return this.browser;
    this.launching ??= (async () => {
      const browser = await puppeteer.launch({
        executablePath: this.options.executablePath,
        headless: true,
        args: CHROMIUM_ARGS,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        timeout: this.options.launchTimeoutMs ?? 30_000,
        protocolTimeout: 60_000,
      });
      this.stats.launches++;
      const proc = browser.process();
      if (proc) {
        this.processes.add(proc);
        proc.once('exit', () => this.processes.delete(proc));
      }
      browser.once('disconnected', () => {
        if (this.browser === browser) {
          if (!this.closed) this.stats.crashes++;
          this.browser = undefined;
          this.idle = this.idle.filter((t) => t.browser !== browser);
        }
      });
      if (this.closed) {
        await browser.close().catch(() => undefined);
        throw new Error('browser pool is closed');
      }
      this.browser = browser;
      return browser;
    })().finally(() => {
      this.launching = undefined;
    });
    return this.launching;
  }

  private async acquireSlot(signal?: AbortSignal): Promise<void> {
    while (this.inUse >= this.size) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.inUse++;
  }

  private releaseSlot(): void {
    this.inUse--;
    this.waiters.shift()?.();
  }

  private async closeTab(tab: Tab): Promise<void> {
    this.stats.tabsClosed++;
    await tab.page.close().catch(() => undefined);
  }

  /** Runs `fn` with a tab of its own; the tab is cleaned (or closed) afterwards, whatever happens. */
  async withPage<T>(fn: (page: Page) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closed) throw new Error('browser pool is closed');
    await this.acquireSlot(signal);
    let tab: Tab | undefined;
    try {
      const browser = await this.ensureBrowser();
      tab = this.idle.pop();
      if (!tab || tab.browser !== browser || tab.page.isClosed()) {
        tab = { page: await browser.newPage(), browser, uses: 0 };
        this.stats.tabsOpened++;
      }
      tab.uses++;
      const result = await fn(tab.page);
      await this.recycle(tab);
      tab = undefined;
      return result;
    } catch (e) {
      if (tab) await this.closeTab(tab);
      throw e;
    } finally {
      this.releaseSlot();
    }
  }

  private async recycle(tab: Tab): Promise<void> {
    if (this.closed || tab.uses >= this.maxUses || !tab.browser.connected) return this.closeTab(tab);
    try {
      tab.page.removeAllListeners('request');
      await tab.page.setRequestInterception(false);
      await tab.page.goto('about:blank', { timeout: 5_000 });
      this.idle.push(tab);
    } catch {
      await this.closeTab(tab);
    }
  }

  /** Closes every tab and the browser; Chromium is killed if it has not exited within `graceMs`. */
  async close(graceMs = 5_000): Promise<void> {
    this.closed = true;
    await this.launching?.catch(() => undefined);
    const tabs = this.idle.splice(0);
    await Promise.all(tabs.map((t) => this.closeTab(t)));
    const browser = this.browser;
    this.browser = undefined;
    if (browser) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        browser.close().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    await Promise.all(
      [...this.processes].map(async (proc) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGKILL');
        await exited;
      }),
    );
    for (const w of this.waiters.splice(0)) w();
  }
}
