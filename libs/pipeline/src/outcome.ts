import type { EntityManager } from '@mikro-orm/core';
import { NO_TEMPLATE } from '@datafactory/contracts';
import { loadQualityReport } from '@datafactory/inspector';
import { JobRepository } from '@datafactory/persistence';

const tally = (m: Map<string, number>, limit = 4) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([code, n]) => `${code} ×${n}`)
    .join(', ');

/** What to tell a user about a reason code, when there is something they can do. */
const HINTS: Record<string, string> = {
  blocked_address:
    'private networks are not allowed on this install (CRAWL_ALLOW_PRIVATE_NETWORKS, CRAWL_TRUSTED_HOSTS)',
  robots: 'robots.txt disallows them (scraping.respect_robots_txt)',
  budget_exhausted: 'the job reached generation.max_cost_usd before their calls',
};

/**
 * For a job that exported something: one sentence when max_cost_usd stopped
 * its generation ("generation stopped at max_cost_usd: 12 of 30 example(s)
 * asked for were not generated (budget_exhausted); ..."); null when it did not.
 */
export async function explainBudgetStop(em: EntityManager, jobId: string): Promise<string | null> {
  const { failed, examples } = await new JobRepository(em).exampleFailuresWith(jobId, 'budget_exhausted');
  if (failed === 0) return null;
  return (
    `generation stopped at max_cost_usd: ${failed} of ${examples} example(s) asked for were not generated ` +
    `(budget_exhausted); the dataset holds what was generated before`
  );
}

/**
 * One sentence saying why a job exported nothing, from where its rows went:
 * "all 40 URLs failed: blocked_address ×40 — private networks are not
 * allowed on this install (...)", "0 of 324 examples passed quality control:
 * toxicity unavailable ×324 (...)".
 */
export async function explainEmptyExport(em: EntityManager, jobId: string, template: string): Promise<string> {
  const c = await new JobRepository(em).failureCounts(jobId);
  if (c.documents === 0) return 'the job had no URL to fetch';
  if (c.fetched === 0) {
    const top = [...c.fetchFailures.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const hint = top && HINTS[top] ? ` — ${HINTS[top]}` : '';
    return `all ${c.documents} URL(s) failed: ${tally(c.fetchFailures)}${hint}`;
  }
  if (c.refined === 0) {
    return `none of the ${c.fetched} fetched page(s) had text to use: ${tally(c.refineFailures) || 'no chunk was made'}`;
  }
  if (template === NO_TEMPLATE) return `the ${c.refined} refined page(s) left no original chunk`;
  if (c.examples === 0) return `no example was generated from the ${c.refined} refined page(s)`;
  if (c.examplesOk === 0) {
    const top = [...c.exampleFailures.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const hint = top && HINTS[top] ? ` — ${HINTS[top]}` : '';
    return `none of the ${c.examples} example(s) asked for was generated: ${tally(c.exampleFailures)}${hint}`;
  }
  const report = await loadQualityReport(em, jobId);
  const failing = Object.entries(report.checks)
    .flatMap(([check, s]) => [
      ...(s.unavailable ? [[`${check} unavailable`, s.unavailable] as const] : []),
      ...(s.fail ? [[`${check} failed`, s.fail] as const] : []),
    ])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([what, n]) => `${what} ×${n}`);
  const unavailable = report.unavailableChecks.length
    ? ` (${report.unavailableChecks.map((check) => `${check}: ${report.checks[check]?.unavailableReason ?? 'unavailable'}`).join('; ')})`
    : '';
  return `0 of ${c.examplesOk} example(s) passed quality control: ${failing.join(', ') || 'not inspected'}${unavailable}`;
}
