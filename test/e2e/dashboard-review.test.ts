/**
 * End-to-end: a reviewer in headless Chromium (Debian's package, driven by
 * puppeteer-core) reviews ten examples on the results page of the built
 * dashboard from the keyboard alone, then exports from the same page; the
 * downloaded files reflect every decision. The built API serves the
 * dashboard (single-host mode) over a SQLite file into which a completed job
 * with examples was written (the pipeline that would produce it is not under
 * test here). Nothing is faked. The page is checked with axe-core (no serious
 * or critical violation) and screenshotted into test-output/screenshots/.
 */
import { REPO_ROOT, type Stack, startStack } from '@datafactory/testing';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingExample } from '@datafactory/persistence';
import { openTestDatabase, seedJob, type SeededJob, type TestDatabase } from '../integration/exporter-helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// Browser globals of the page.evaluate callbacks (they run in Chromium); the root tsconfig has no DOM lib.
declare const document: any;
declare const window: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.join(REPO_ROOT, 'test-output/screenshots');
const AXE = path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');

type Decision = { key: 'a' } | { key: 'r'; reason: string } | { key: 'e'; output: string };
const STATE = { a: 'accepted', r: 'rejected', e: 'edited' } as const;

/** Ten decisions, in the order the examples are listed. */
const DECISIONS: Decision[] = [
  { key: 'a' },
  { key: 'r', reason: 'off topic' },
  { key: 'e', output: 'Edited answer one ✓' },
  { key: 'a' },
  { key: 'r', reason: 'not grounded in the page' },
  { key: 'e', output: 'Edited answer two, with "quotes"' },
  { key: 'a' },
  { key: 'a' },
  { key: 'r', reason: 'duplicate' },
  { key: 'e', output: 'Edited answer three: שלום' },
];

describe('reviewing in the dashboard by keyboard, in headless Chromium', () => {
  let t: TestDatabase;
  let seeded: SeededJob;
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  const generated = new Map<string, string>();
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    t = await openTestDatabase('sqlite');
    seeded = await seedJob(t.orm.em);
    for (const e of await t.orm.em.fork().find(TrainingExample, { job: seeded.jobId })) {
      generated.set(e.id, e.outputText);
    }
    stack = await startStack({ dashboard: true, env: { DATABASE_URL: t.url } });
    browser = await puppeteer.launch({
      executablePath: CHROME,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage();
    await page.setBypassCSP(true);
    await page.setViewport({ width: 1366, height: 900 });
    await page.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'reduce' }]);
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await t?.close();
  });

  const currentId = () =>
    page.$eval('.example.current', (el: { getAttribute(n: string): string }) => el.getAttribute('data-id'));
  const waitReview = (id: string, state: string) =>
    page.waitForSelector(`li[data-id="${id}"][data-review="${state}"]`, { timeout: 15_000 });

  async function downloadJsonl(): Promise<Record<string, unknown>[]> {
    await page.waitForSelector('.export-result a.export-download', { timeout: 30_000 });
    const href = await page.$eval('.export-result a.export-download', (a: { getAttribute(n: string): string }) =>
      a.getAttribute('href'),
    );
    const res = await stack.fetch(href);
    expect(res.status).toBe(200);
    return (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it('reviews ten examples with j/k/a/r/e and exports files that reflect each decision', async () => {
    await page.goto(`${stack.base}/jobs/${seeded.jobId}/results`, { waitUntil: 'load' });
    // The passed examples: what an export takes.
    await page.waitForSelector('#filter-passed');
    await page.select('#filter-passed', 'passed');
    await page.waitForFunction(
      (n: number) => document.querySelector('.panel-meta')?.textContent?.includes(`${n} MATCHING`),
      { timeout: 15_000 },
      seeded.passed.length,
    );
    await page.waitForSelector('li.example.current');
    const listed: string[] = await page.$$eval('li.example', (items: { getAttribute(n: string): string }[]) =>
      items.map((li) => li.getAttribute('data-id')),
    );
    expect(listed.length).toBeGreaterThanOrEqual(DECISIONS.length);
    // Keys go to the page, not to the filter that kept the focus.
    await page.evaluate(() => document.activeElement?.blur());

    // j and k move the cursor.
    expect(await currentId()).toBe(listed[0]);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.waitForSelector(`li.example.current[data-id="${listed[2]}"]`);
    await page.keyboard.press('k');
    await page.keyboard.press('k');
    await page.waitForSelector(`li.example.current[data-id="${listed[0]}"]`);

    const decided = new Map<string, Decision>();
    for (const [i, decision] of DECISIONS.entries()) {
      const id = listed[i]!;
      expect(await currentId(), `example ${i} is current`).toBe(id);
      await page.keyboard.press(decision.key);
      if (decision.key === 'r') {
        await page.waitForFunction(() => document.activeElement?.id === 'review-reason');
        await page.keyboard.type(decision.reason);
        await page.keyboard.press('Enter');
      } else if (decision.key === 'e') {
        await page.waitForFunction(() => document.activeElement?.id === 'review-output');
        await page.keyboard.down('Control');
        await page.keyboard.press('a');
        await page.keyboard.up('Control');
        await page.keyboard.type(decision.output);
        await page.keyboard.down('Control');
        await page.keyboard.press('Enter');
        await page.keyboard.up('Control');
      }
      await waitReview(id, STATE[decision.key]);
      decided.set(id, decision);
    }
    const count = (k: Decision['key']) => DECISIONS.filter((d) => d.key === k).length;
    await page.waitForFunction(
      (n: number) => document.querySelector('[data-count="rejected"]')?.textContent?.trim() === String(n),
      { timeout: 15_000 },
      count('r'),
    );
    await page.waitForSelector('li.example[data-review="rejected"] .review-reason');
    await audit('results-review');

    // Export with the unreviewed examples (the default).
    await page.select('#review-export-format', 'jsonl');
    await page.click('section[aria-labelledby="export-title"] button[type="submit"]');
    const all = await downloadJsonl();
    const byId = new Map(all.map((r) => [String(r.id), r]));
    const rejected = [...decided].filter(([, d]) => d.key === 'r').map(([id]) => id);
    expect(all).toHaveLength(seeded.passed.length - rejected.length);
    for (const [id, d] of decided) {
      const record = byId.get(id);
      if (d.key === 'r') {
        expect(record, `rejected ${id} is not exported`).toBeUndefined();
        continue;
      }
      expect(record, `${id} is exported`).toBeDefined();
      expect(record!.review).toBe(STATE[d.key]);
      if (d.key === 'e') {
        expect(record!.output).toBe(d.output);
        expect(record!.original_output).toBe(generated.get(id));
      } else {
        expect(record!.output).toBe(generated.get(id));
        expect(record!.original_output).toBeNull();
      }
    }
    expect(all.filter((r) => r.review === 'unreviewed')).toHaveLength(seeded.passed.length - DECISIONS.length);

    // Only the reviewed ones, in a trainer shape: the edits are the assistant's answers.
    await page.click('#review-export-unreviewed');
    await page.select('#review-export-format', 'openai');
    await page.evaluate(() => document.querySelector('.export-result')?.remove());
    await page.click('section[aria-labelledby="export-title"] button[type="submit"]');
    const reviewed = await downloadJsonl();
    expect(reviewed).toHaveLength(count('a') + count('e'));
    const answers = reviewed.map((r) => (r.messages as { content: string }[]).at(-1)!.content).sort();
    const expected = [...decided]
      .filter(([, d]) => d.key !== 'r')
      .map(([id, d]) => (d.key === 'e' ? d.output : generated.get(id)!))
      .sort();
    expect(answers).toEqual(expected);
    expect(pageErrors).toEqual([]);
  });

  async function audit(name: string): Promise<void> {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
    const violations = (await page.evaluate(async () => (await window.axe.run(document)).violations)) as {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: string[] }[];
    }[];
    const serious = violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious, `axe on ${name}`).toEqual([]);
  }
});
