/**
 * End-to-end: the built dashboard in headless Chromium (Debian's package, driven
 * by puppeteer-core), served by the built API in single-host mode, with a worker,
 * a SQLite file in a temporary DATA_DIR and the machine's Redis under this run's
 * key prefix. Nothing is faked. Every page is screenshotted into
 * test-output/screenshots/ and checked with axe-core (no serious or critical
 * violation); the home page's first contentful paint is printed, never asserted.
 *
 * The worker has no stage handlers wired yet, so a started job stays running:
 * this suite starts one from the new-job page, watches its live log and cancels
 * it. The full run (progress to done, results, download) comes with the pipeline.
 */
import {
  type AppProcess,
  FakeOpenAiServer,
  qaFromPrompt,
  FixtureSite,
  REPO_ROOT,
  type Stack,
  startStack,
  waitFor,
} from '@datafactory/testing';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/* eslint-disable @typescript-eslint/no-explicit-any */
// Browser globals of the page.evaluate callbacks (they run in Chromium); the root tsconfig has no DOM lib.
declare const document: any;
declare const window: any;
declare const location: any;
declare const sessionStorage: any;
declare function getComputedStyle(element: unknown, pseudo?: string): any;
type Document = any;
type HTMLTextAreaElement = any;
type HTMLInputElement = any;
type HTMLButtonElement = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.join(REPO_ROOT, 'test-output/screenshots');
const AXE = path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');
const SECRET = 'sk-e2e-secret-key-0000QzX9';

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

describe('dashboard in headless Chromium against the built API and worker', () => {
  let stack: Stack;
  let api: AppProcess;
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let browser: Browser;
  let page: Page;
  let base: string;
  const pageErrors: string[] = [];
  let projectId = '';
  let jobId = '';

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    site = await FixtureSite.start({ hosts: ['main'] });
    // Answers from the page text, as a real model would: the job exports a real dataset.
    llm = await new FakeOpenAiServer({ content: qaFromPrompt }).start();
    // The built dashboard (startStack fails naming `npm run build` when it is missing).
    stack = await startStack({
      workers: 1,
      dashboard: true,
      env: {
        OPENAI_BASE_URL: llm.baseUrl,
        // The fixture site is on 127.0.0.1: the operator trusts its ports (and only those).
        CRAWL_TRUSTED_HOSTS: site.hostPorts().join(','),
      },
    });
    ({ api, base } = stack);
    await waitFor(
      async () => {
        const res = await fetch(`${base}/health`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      { timeoutMs: 30_000, what: `/health 200 (api: ${api.output().slice(-500)})` },
    );
    browser = await puppeteer.launch({
      executablePath: CHROME,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    page = await browser.newPage();
    // The API's Content-Security-Policy allows only its own scripts; axe-core is injected by the test.
    await page.setBypassCSP(true);
    await page.setViewport({ width: 1366, height: 900 });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    // Screenshots without mid-transition bars; the reduced-motion test switches motion back on and off.
    await page.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'reduce' }]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await site?.close();
    await llm?.stop();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const getJson = async (url: string): Promise<any> => (await fetch(`${base}${url}`)).json();

  /** Waits for visible text (case-insensitive: some labels are upper-cased by CSS). */
  const text = (needle: string, timeout = 15_000) =>
    page
      .waitForFunction(
        (t: string) => document.body.innerText.toLowerCase().includes(t),
        { timeout },
        needle.toLowerCase(),
      )
      .catch((error: Error) => {
        throw new Error(`"${needle}" did not appear on ${page.url()}: ${error.message}`);
      });

  async function audit(name: string): Promise<void> {
    // A full-page shot of a scrolled page would paint the sticky top bar mid-page.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: unknown[] }> } })
        .axe;
      return (await axe.run(document)).violations;
    });
    const serious = (violations as AxeViolation[])
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious, `axe on ${name}`).toEqual([]);
  }

  it('home: stat cards, empty states, the cost chart; prints the first contentful paint', async () => {
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await text('Total jobs');
    await text('No job is running');
    await text('No dataset exported yet');
    await page.waitForSelector('app-bar-chart svg');
    await text('All systems nominal', 20_000);
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
    console.log(`dashboard home first contentful paint: ${fcp === null ? 'not reported' : `${fcp.toFixed(0)} ms`}`);
    expect(await page.$$eval('.stats li', (items) => items.length)).toBe(4);
    await audit('home');
  });

  it('turns animations off when the user prefers reduced motion', async () => {
    await page.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'reduce' }]);
    const animation = await page.evaluate(() => getComputedStyle(document.body, '::after').animationName);
    expect(animation).toBe('none');
    await page.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'no-preference' }]);
    expect(await page.evaluate(() => getComputedStyle(document.body, '::after').animationName)).toBe('scan-sweep');
    await page.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'reduce' }]);
  });

  it('projects: create, rename, and delete only after confirming', async () => {
    await page.goto(`${base}/projects`, { waitUntil: 'load' });
    await text('No project yet');
    await audit('projects-empty');
    for (const name of ['Docs dataset', 'Scratch']) {
      await page.type('#project-name', name);
      await page.click('form.create button[type="submit"]');
      await text(name);
      await page.waitForFunction(() => (document.querySelector('#project-name') as HTMLInputElement).value === '');
    }

    // Rename "Scratch" with the keyboard only.
    const row = async (name: string) =>
      page.evaluateHandle(
        (n: string) => [...document.querySelectorAll('tbody tr')].find((tr) => tr.textContent?.includes(n)),
        name,
      );
    const renameButton = await (await row('Scratch')).asElement()!.$('button.ghost');
    await renameButton!.focus();
    await page.keyboard.press('Enter');
    const renameInput = await page.waitForSelector('form.rename input');
    await renameInput!.click({ count: 3 });
    await page.keyboard.type('Temporary');
    await page.keyboard.press('Enter');
    await text('Temporary');

    // Delete asks first; "Keep it" keeps it.
    const deleteButton = async () => (await row('Temporary')).asElement()!.$('button.danger');
    await (await deleteButton())!.click();
    await page.waitForSelector('dialog[open]');
    await audit('projects-delete-dialog');
    await page.click('dialog[open] button.ghost');
    await page.waitForSelector('dialog:not([open])');
    expect(await page.evaluate(() => document.body.innerText.includes('Temporary'))).toBe(true);
    await (await deleteButton())!.click();
    await page.click('dialog[open] button.danger');
    await page.waitForFunction(() => !document.querySelector('tbody')?.textContent?.includes('Temporary'));
    await audit('projects');

    const projects = await getJson(`/api/projects`);
    expect(projects.items.map((p: { name: string }) => p.name)).toEqual(['Docs dataset']);
    projectId = projects.items[0].id;
  });

  it('project detail: the project and its (empty) job list', async () => {
    await page.click(`a[href="/projects/${projectId}"]`);
    await text('No job yet');
    await audit('project-detail');
  });

  /** Starts a job from the new-job page with these lines pasted; returns its id once the job page is open. */
  async function startJobFromForm(lines: string[]): Promise<string> {
    await page.goto(`${base}/projects/${projectId}/new-job`, { waitUntil: 'load' });
    await page.waitForSelector('#urls');
    // A paste is one input event with the whole text.
    await page.$eval(
      '#urls',
      (area, value) => {
        (area as HTMLTextAreaElement).value = value as string;
        area.dispatchEvent(new Event('input', { bubbles: true }));
      },
      lines.join('\n'),
    );
    await page.waitForFunction(
      () => !(document.querySelector('.submit-row button[type="submit"]') as HTMLButtonElement).disabled,
    );
    await page.click('.submit-row button[type="submit"]');
    await page
      .waitForFunction(() => /^\/jobs\/[0-9a-f-]{36}$/.test(location.pathname), { timeout: 15_000 })
      .catch(async (error: Error) => {
        const shown = await page.$eval('.submit-error', (e) => e.textContent).catch(() => 'no error shown');
        throw new Error(`the job page did not open (${shown}): ${error.message}`);
      });
    return page.url().split('/').pop()!;
  }

  const jobStatus = (status: string, timeout = 60_000) =>
    page
      .waitForFunction(
        (s: string) => document.querySelector('[data-testid="job-status"]')?.textContent?.trim().toLowerCase() === s,
        { timeout },
        status,
      )
      .catch(async (error: Error) => {
        await page.screenshot({ path: path.join(SCREENSHOTS, 'job-failure.png'), fullPage: true });
        throw new Error(`job status never became ${status}: ${error.message}`);
      });

  it('new job: invalid lines are shown before submit; the form has every stage with its defaults', async () => {
    const configured = await fetch(`${base}/api/projects/${projectId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        config: {
          scraping: { requests_per_second: 50 },
          generation: { examples_per_chunk: 2 },
          quality: { checks: ['format', 'duplicates'] },
        },
      }),
    });
    expect(configured.status).toBe(200);

    await page.click(`a[href="/projects/${projectId}/new-job"]`);
    await page.waitForSelector('#urls');
    await page.waitForSelector('[data-testid="estimate"]');
    await page.type('#urls', [site.url('main', '/doc/1'), 'not a url', 'ftp://x.test/'].join('\n'));
    await text('line 2: not a url');
    await text('line 3: ftp://x.test/ — must use http or https');
    expect(await page.$eval('.submit-row button[type="submit"]', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    expect(await page.$$eval('details.stage-panel summary', (s) => s.map((e) => e.textContent?.trim()))).toEqual([
      'Spider · scraping',
      'Refiner · processing',
      'Factory · generation',
      'Inspector · quality',
      'Shipper · export',
    ]);
    await page.click('details.stage-panel summary');
    expect(await page.$eval('#cfg-scraping-max_concurrent', (e) => (e as HTMLInputElement).value)).toBe('3');
    await audit('new-job');
  });

  it('job page: a pasted URL list runs to completed without a reload, with the live log and quality', async () => {
    // Rows lost on the way, for the funnel: a URL on a port the operator does not trust (blocked_address)
    // and a copy of a page at another URL (an exact duplicate chunk).
    jobId = await startJobFromForm([
      ...[1, 2, 3].map((n) => site.url('main', `/doc/${n}`)),
      site.url('main', '/doc/3?copy=1'),
      'http://127.0.0.1:9/untrusted',
    ]);
    await text('job started with 5 URL(s)');
    await jobStatus('completed', 90_000);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="connection"]')?.textContent?.trim() === 'FINAL',
    );
    const job = await getJson(`/api/jobs/${jobId}`);
    expect(job).toMatchObject({ projectId, urlCount: 5, status: 'completed' });
    // Every stage shows done, and the counters match the API's.
    expect(
      await page.$$eval('app-pipeline-steps li', (items) => items.map((li) => li.getAttribute('data-state'))),
    ).toEqual(Array(5).fill('done'));
    expect(await page.$eval('.stage-bars li:first-child .counts', (e) => e.textContent?.replace(/\s+/g, ''))).toBe(
      `${job.progress.crawler.done}/${job.progress.crawler.total}` +
        (job.progress.crawler.failed ? `·${job.progress.crawler.failed}failed` : ''),
    );
    await page.waitForSelector('app-donut-chart svg', { timeout: 15_000 }).catch(async (error: Error) => {
      await page.screenshot({ path: path.join(SCREENSHOTS, 'job-failure.png'), fullPage: true });
      const quality = await (await fetch(`${base}/api/jobs/${jobId}/quality`)).text();
      const progress = JSON.stringify((await getJson(`/api/jobs/${jobId}`)).progress);
      const logs = (await getJson(`/api/jobs/${jobId}/logs?pageSize=50`)).items.map(
        (l: { message: string }) => l.message,
      );
      throw new Error(
        `no quality donut (quality: ${quality.slice(0, 300)}; progress: ${progress}; log: ${logs.join(' | ')}): ${error.message}`,
      );
    });
    expect(await page.$('button.danger')).toBeNull();

    // Where the rows went: the funnel chart shows every stage of the API's funnel, with the same numbers.
    const funnel = await getJson(`/api/jobs/${jobId}/funnel`);
    expect(funnel).toMatchObject({ final: true, holds: true, urlsGiven: 5 });
    await page.waitForSelector('[data-testid="funnel"] app-funnel-chart [data-stage="export"]', { timeout: 15_000 });
    const shown = await page.$$eval('[data-testid="funnel"] .stage', (rows) =>
      rows.map((row) => [row.getAttribute('data-stage'), row.querySelector('.count')?.textContent?.trim()]),
    );
    expect(shown).toEqual(
      funnel.stages.map((s: { stage: string; input: number; unit: string }) => [
        s.stage,
        `${s.input} ${s.unit}${s.input === 1 ? '' : 's'}`,
      ]),
    );
    const exported = funnel.stages.at(-1).outcomes.find((o: { outcome: string }) => o.outcome === 'exported').count;
    expect(exported).toBeGreaterThan(0);
    expect(
      await page.$eval('[data-testid="funnel"] [data-stage="export"] [data-outcome="exported"] .mono', (e) =>
        e.textContent?.trim(),
      ),
    ).toBe(String(exported));
    await text('Every row accounted for');
    expect(
      await page.$eval('[data-testid="funnel"] [data-stage="fetch"] [data-outcome="failed"]', (e) => e.textContent),
    ).toContain('blocked_address ×1');
    expect(
      await page.$eval('[data-testid="funnel"] [data-stage="dedup"] [data-outcome="exact_duplicate"] .mono', (e) =>
        e.textContent?.trim(),
      ),
    ).toBe('1');

    // Level filter: hiding "info" hides the start line.
    await page.click('button.level[data-level="info"]');
    await page.waitForFunction(() => !document.querySelector('.log')?.textContent?.includes('job started'));
    await page.click('button.level[data-level="info"]');
    await text('job started with 5 URL(s)');
    await audit('job');
  });

  it('results: the quality report, and the failed examples only when filtered', async () => {
    await page.click(`a[href="/jobs/${jobId}/results"]`);
    await page.waitForSelector('#filter-passed');
    await page.waitForSelector('.examples .example');
    await audit('results');
    const requests: string[] = [];
    const listener = (request: { url(): string }) => requests.push(request.url());
    page.on('request', listener);
    await page.select('#filter-passed', 'failed');
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    await page.waitForFunction(() => !document.body.innerText.includes('Loading examples'));
    page.off('request', listener);
    expect(requests.some((url) => url.includes(`/api/jobs/${jobId}/examples`) && url.includes('passed=false'))).toBe(
      true,
    );
    const verdicts = await page.$$eval('.examples .verdict', (items) => items.map((v) => v.textContent?.trim()));
    expect(verdicts.every((v) => v === 'FAILED')).toBe(true);
    if (verdicts.length === 0) await text('No example matches these filters');
    await audit('results-failed');
  });

  it('exports: downloads the dataset, previews its card, exports again in another format', async () => {
    await page.goto(`${base}/exports`, { waitUntil: 'load' });
    await page.waitForSelector('.data-table tbody tr');
    const href = await page.$eval('.data-table tbody tr a[download]', (a) => a.getAttribute('href'));
    const download = await fetch(`${base}${href}`);
    expect(download.status).toBe(200);
    const lines = (await download.text()).trim().split('\n').filter(Boolean);
    const listed = await getJson(`/api/exports`);
    expect(lines.length).toBe(listed.items[0].recordCount);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();

    await page.click('.data-table tbody tr button.ghost');
    await page.waitForSelector('pre.card');
    expect(await page.$eval('pre.card', (e) => e.textContent)).toMatch(/^---/);

    // A new version of the finished job in another format, failed examples included: its lines are the examples.
    await page.select('#export-format', 'jsonl');
    await page.click('.new-export input[type="checkbox"]');
    await page.click('.new-export button[type="submit"]');
    await text('as jsonl (version');
    const after = await getJson(`/api/exports`);
    expect(after.items).toHaveLength(2);
    const newest = after.items[0];
    const report = await getJson(`/api/jobs/${jobId}/quality`);
    expect(newest.recordCount).toBe(report.total);
    await page.waitForSelector(`a[href="${newest.downloadUrl}"]`);
    const all = (await (await fetch(`${base}${newest.downloadUrl}`)).text()).trim().split('\n').filter(Boolean);
    expect(all.length).toBe(newest.recordCount);
    expect(all.length).toBeGreaterThan(0);
    for (const line of all) expect(Object.keys(JSON.parse(line)).length).toBeGreaterThan(0);
    await audit('exports');
  });

  it('job page: a running job is cancelled and shows it without a reload', async () => {
    const slowJob = await startJobFromForm([site.url('main', '/slow?ms=600000')]);
    await text('job started with 1 URL(s)');

    // Home lists it among the active jobs, live.
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.waitForSelector(`app-job-live-card a[href="/jobs/${slowJob}"]`);
    await text('JOB ' + slowJob.slice(0, 8) + ' · SPIDER');
    await audit('home-active-job');
    await page.click(`app-job-live-card a[href="/jobs/${slowJob}"]`);
    await text('job started with 1 URL(s)');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="connection"]')?.textContent?.trim() === 'LIVE',
    );
    expect(await page.$eval('app-pipeline-steps li[aria-current="step"] .label', (e) => e.textContent)).toBe('Spider');
    // The active stage is drawn in the accent colour, the idle ones are not.
    const stateColour = (selector: string) => page.$eval(selector, (e) => getComputedStyle(e).color);
    expect(await stateColour('app-pipeline-steps li[data-state="active"] .state')).toBe('rgb(0, 212, 255)');
    expect(await stateColour('app-pipeline-steps li[data-state="idle"] .state')).not.toBe('rgb(0, 212, 255)');
    await audit('job-running');
    const navigations: string[] = [];
    const listener = (frame: { url(): string }) => navigations.push(frame.url());
    page.on('framenavigated', listener);
    await page.click('button.danger');
    await jobStatus('cancelled', 15_000);
    await text('job cancelled; finished items are kept');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="connection"]')?.textContent?.trim() === 'FINAL',
    );
    page.off('framenavigated', listener);
    expect(navigations).toEqual([]);
    expect(await page.$('button.danger')).toBeNull();
    expect((await getJson(`/api/jobs/${slowJob}`)).status).toBe('cancelled');
    await audit('job-cancelled');
  });

  it('home: totals, recent exports with their download links', async () => {
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.waitForSelector('.data-table a[download]');
    await text('Docs dataset');
    await audit('home-with-data');
  });

  it('settings: a saved key is never shown again, only its last 4 characters', async () => {
    await page.goto(`${base}/settings`, { waitUntil: 'load' });
    await text('not set');
    await page.type('#openai-key', SECRET);
    await page.click('.key-row button[type="submit"]');
    await text('…QzX9');
    expect(await page.$eval('#openai-key', (e) => (e as HTMLInputElement).value)).toBe('');
    expect(await page.content()).not.toContain(SECRET);
    const settings = await (await fetch(`${base}/api/settings`)).text();
    expect(settings).not.toContain(SECRET);
    expect(JSON.parse(settings).apiKeys.openai).toMatchObject({ set: true, last4: 'QzX9' });
    // What the operator allows is shown read-only, so a user knows why a local URL is refused.
    const reach = await page.$eval('[data-testid="operator-settings"]', (e) => e.textContent ?? '');
    expect(reach).toMatch(/Private networks\s*refused/);
    expect(reach).toContain('CRAWL_ALLOW_PRIVATE_NETWORKS');
    expect(reach).toContain(site.hostPorts()[0]);

    // A default saved here is where the next new job starts.
    await page.click('details.stage-panel:last-of-type summary');
    await page.select('#settings-export-format', 'csv');
    await page.click('.save-row button[type="submit"]');
    await text('Defaults saved');
    expect(JSON.parse(await (await fetch(`${base}/api/settings`)).text()).defaultJobConfig).toEqual({
      export: { format: 'csv' },
    });
    await audit('settings');
  });

  it('an unknown address shows the not-found page; no page threw', async () => {
    await page.goto(`${base}/no/such/page`, { waitUntil: 'load' });
    await text('Signal lost');
    await audit('not-found');
    expect(pageErrors).toEqual([]);
  });
});

describe('dashboard against an API that wants a token (API_TOKEN)', () => {
  const TOKEN = 'e2e-api-token-0123456789';
  let stack: Stack;
  let api: AppProcess;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    stack = await startStack({ dashboard: true, env: { API_TOKEN: TOKEN } });
    ({ api, base } = stack);
    await waitFor(
      async () => ((await fetch(`${base}/api/projects`).catch(() => undefined))?.status === 401 ? true : undefined),
      {
        timeoutMs: 30_000,
        what: `the API answers 401 (api: ${api.output().slice(-500)})`,
      },
    );
    browser = await puppeteer.launch({
      executablePath: CHROME,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('asks for the token once, then every page works with it', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/projects`, { waitUntil: 'load' });
    await page.waitForSelector('form.token-banner #api-token');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'token-prompt.png') });
    await page.type('#api-token', TOKEN);
    await page.click('form.token-banner button');
    await page.waitForFunction(() => document.body.innerText.includes('No project yet'), { timeout: 15_000 });
    expect(await page.$('form.token-banner')).toBeNull();
    // The token stays with the tab only.
    expect(await page.evaluate(() => sessionStorage.getItem('datafactory.apiToken'))).toBe(TOKEN);
  });
});
