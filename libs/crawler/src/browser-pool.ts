import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import puppeteer, { type Browser, type Page, type Target, TargetType } from 'puppeteer-core';
import type { LookupFunction } from './address-guard.js';
import { EgressProxy, type EgressRefusal } from './egress-proxy.js';

export interface BrowserPoolOptions {
  /** Chromium binary (AppConfig.chromePath). */
  executablePath: string;
  /** Tabs in use at once. */
  size?: number;
  /** A tab is closed and replaced after this many pages (bounds memory that leaks across navigations). */
  maxUsesPerTab?: number;
  launchTimeoutMs?: number;
  /**
   * What Chromium may reach outside the crawler's request interception (see
   * EgressProxy): by default no private address at all; `trustedHosts`
   * (`host:port`) and `allowPrivateNetworks` lift that as they do for the
   * crawler's HTTP client. A crawler passes its own `trustedHosts`.
   */
  allowPrivateNetworks?: boolean;
  trustedHosts?: readonly string[];
  /** DNS resolution for the egress proxy (default `dns.lookup`). */
  lookup?: LookupFunction;
}

/** Something the pool stopped: a connection the egress proxy refused, or a popup it closed. */
export type BrowserRefusal = ({ kind: 'connection' } & EgressRefusal) | { kind: 'popup'; url: string; reason: string };

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

/**
 * Flags that keep every byte Chromium sends on the egress proxy at `port`:
 * loopback is not bypassed (Chromium bypasses proxies for localhost unless
 * `<-loopback>` removes that implicit rule); WebRTC sends no UDP that does
 * not go through the proxy, which carries none (no STUN, no peer traffic);
 * QUIC, which would not go through it either, is off. On Chromium 156
 * `--webrtc-ip-handling-policy` is the flag that stops STUN (the `--force-`
 * one alone does not; it is kept for builds that read only that one).
 */
export function egressArgs(port: number): string[] {
  return [
    `--proxy-server=http://127.0.0.1:${port}`,
    '--proxy-bypass-list=<-loopback>',
    '--webrtc-ip-handling-policy=disable_non_proxied_udp',
    '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
    '--disable-quic',
  ];
}

/** Runs in every document before its own scripts: no service workers (defence in depth; the proxy refuses their scripts too). */
const NO_SERVICE_WORKERS = `(() => {
  try { delete Navigator.prototype.serviceWorker; } catch {}
})();`;

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
export class BrowserPool extends EventEmitter {
  private browser?: Browser;
  private proxy?: EgressProxy;
  /** Tabs of the current browser (and the one it starts with), by target. */
  private ownTargets = new Set<Target>();
  private readonly opening = new Set<Promise<Page>>();
  private launching?: Promise<Browser>;
  private idle: Tab[] = [];
  private inUse = 0;
  private readonly waiters: Array<() => void> = [];
  private closed = false;
  private readonly size: number;
  private readonly maxUses: number;
  /** Counters for tests and the benchmark. */
  readonly stats = { launches: 0, tabsOpened: 0, tabsClosed: 0, crashes: 0, refused: 0 };
  private readonly processes = new Set<ChildProcess>();

  constructor(private readonly options: BrowserPoolOptions) {
    super();
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
      const port = await this.ensureProxy();
      const browser = await puppeteer.launch({
        executablePath: this.options.executablePath,
        headless: true,
        args: [...CHROMIUM_ARGS, ...egressArgs(port)],
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
      const own = new Set(browser.targets());
      this.ownTargets = own;
      browser.on('targetcreated', (target: Target) => void this.closeForeignTarget(target, own));
      browser.on('targetdestroyed', (target: Target) => own.delete(target));
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

  private async ensureProxy(): Promise<number> {
    if (this.proxy) return this.proxy.port;
    const proxy = new EgressProxy({
      allowPrivateNetworks: this.options.allowPrivateNetworks,
      trustedHosts: this.options.trustedHosts,
      lookup: this.options.lookup,
    });
    proxy.on('refused', (r: EgressRefusal) => this.refused({ kind: 'connection', ...r }));
    await proxy.listen();
    this.proxy = proxy;
    return proxy.port;
  }

  private refused(refusal: BrowserRefusal): void {
    this.stats.refused++;
    this.emit('refused', refusal);
  }

  /**
   * Closes a page the pool did not open: a popup (`window.open`, a link or
   * form with a target, with or without an opener). Only the pool's own tabs
   * render pages, and only their requests are intercepted; anything else a
   * popup sends would still meet the egress proxy, but it is closed at once.
   */
  private async closeForeignTarget(target: Target, own: Set<Target>): Promise<void> {
    if (target.type() !== TargetType.PAGE) return;
    // A tab the pool is opening appears here before newPage() resolves.
    await Promise.allSettled([...this.opening]);
    if (own.has(target)) return;
    const url = target.url();
    try {
      await (await target.page())?.close();
    } catch {
      // the target went away by itself
    }
    this.refused({ kind: 'popup', url, reason: 'a page opened by a page' });
  }

  private async openTab(browser: Browser, own: Set<Target>): Promise<Page> {
    const opening = browser.newPage();
    this.opening.add(opening);
    try {
      const page = await opening;
      own.add(page.target());
      await page.evaluateOnNewDocument(NO_SERVICE_WORKERS);
      await page.setBypassServiceWorker(true);
      return page;
    } finally {
      this.opening.delete(opening);
    }
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
        tab = { page: await this.openTab(browser, this.ownTargets), browser, uses: 0 };
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
    await this.proxy?.close();
    this.proxy = undefined;
    for (const w of this.waiters.splice(0)) w();
  }
}
