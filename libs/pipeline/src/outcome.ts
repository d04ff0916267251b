import type { EntityManager } from '@mikro-orm/core';
import {
  type FunnelOutcome,
  type FunnelReason,
  FunnelStageName,
  formatReasons,
  funnelCount,
  type JobFunnel,
  NO_TEMPLATE,
} from '@datafactory/contracts';
import { loadQualityReport, type QualityReport } from '@datafactory/inspector';
import { FunnelRepository, JobRepository } from '@datafactory/persistence';

/** The reasons of several outcomes, merged, most frequent first. */
function reasonsOf(outcomes: readonly FunnelOutcome[]): FunnelReason[] {
  const m = new Map<string, number>();
  for (const o of outcomes) for (const r of o.reasons) m.set(r.code, (m.get(r.code) ?? 0) + r.count);
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, count]) => ({ code, count }));
}

/** What to tell a user about a reason code, when there is something they can do. */
const HINTS: Record<string, string> = {
  blocked_address:
    'private networks are not allowed on this install (CRAWL_ALLOW_PRIVATE_NETWORKS, CRAWL_TRUSTED_HOSTS)',
  robots: 'robots.txt disallows them (scraping.respect_robots_txt)',
  tdm_reserved: 'the pages reserve text-and-data-mining rights (scraping.respect_ai_reservations)',
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
  const funnel = await new FunnelRepository(em).funnel(jobId);
  if (!funnel) return `job ${jobId} is gone`;
  return explainFromFunnel(funnel, template, () => loadQualityReport(em, jobId));
}

/** The sentence of explainEmptyExport, from the job's funnel (the quality report adds what the checks said). */
export async function explainFromFunnel(
  funnel: JobFunnel,
  template: string,
  qualityReport: () => Promise<QualityReport>,
): Promise<string> {
  const of = (stage: FunnelStageName) => funnel.stages.find((s) => s.stage === stage);
  const drops = (stage: FunnelStageName) =>
    formatReasons(reasonsOf(of(stage)?.outcomes.filter((o) => !o.next && o.outcome !== 'pending') ?? []));
  const fetch = of(FunnelStageName.Fetch)!;
  const fetched = funnelCount(funnel, FunnelStageName.Fetch, 'ok');
  if (fetch.input === 0) return 'the job had no URL to fetch';
  if (fetched === 0) {
    const top = reasonsOf(fetch.outcomes.filter((o) => !o.next))[0]?.code;
    const hint = top && HINTS[top] ? ` — ${HINTS[top]}` : '';
    return `all ${fetch.input} URL(s) failed: ${drops(FunnelStageName.Fetch)}${hint}`;
  }
  const refined = funnelCount(funnel, FunnelStageName.Refine, 'ok');
  if (refined === 0) {
    return `none of the ${fetched} fetched page(s) had text to use: ${drops(FunnelStageName.Refine) || 'no chunk was made'}`;
  }
  if (template === NO_TEMPLATE) return `the ${refined} refined page(s) left no original chunk`;
  const generate = of(FunnelStageName.Generate);
  const asked = generate?.input ?? 0;
  if (asked === 0) return `no example was generated from the ${refined} refined page(s)`;
  const ok = funnelCount(funnel, FunnelStageName.Generate, 'ok');
  if (ok === 0) {
    const top = reasonsOf(generate!.outcomes.filter((o) => !o.next && o.outcome !== 'pending'))[0]?.code;
    const hint = top && HINTS[top] ? ` — ${HINTS[top]}` : '';
    return `none of the ${asked} example(s) asked for was generated: ${drops(FunnelStageName.Generate)}${hint}`;
  }
  const report = await qualityReport();
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
  return `0 of ${ok} example(s) passed quality control: ${failing.join(', ') || 'not inspected'}${unavailable}`;
}
