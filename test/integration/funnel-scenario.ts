/**
 * A job that loses rows at every stage, for the funnel tests: six URLs of
 * which two are on a host the install does not trust (blocked_address), one
 * is a copy of another page (same text at another URL: an exact duplicate
 * chunk), and one page whose reply from the fake LLM holds one example of
 * the two asked (too_few_examples). Every fixture article is one chunk.
 */
import type { JobFunnel } from '@datafactory/contracts';
import { distinctArticle, type FakeRequest, type FixtureSite, qaFromPrompt } from '@datafactory/testing';

export const EXAMPLES_PER_CHUNK = 2;

/** The first sentence of a fixture article: it is in the prompt of the article's chunk. */
function firstSentence(n: number): string {
  return /<p>([^.]+\.)/.exec(distinctArticle(n))![1]!;
}

export function funnelScenario(site: FixtureSite, base = 600) {
  const short = firstSentence(base + 2);
  return {
    urls: [
      site.url('main', `/doc/${base + 1}`),
      site.url('main', `/doc/${base + 2}`),
      site.url('main', `/doc/${base + 3}`),
      site.url('main', `/doc/${base + 3}?copy=1`),
      site.url('other', `/doc/${base + 4}`),
      site.url('other', `/doc/${base + 5}`),
    ],
    /** Only the main host may be reached on its private address. */
    trustedHosts: site
      .url('main')
      .replace(/^http:\/\//, '')
      .replace(/\/$/, ''),
    jobConfig: {
      scraping: { requests_per_second: 50 },
      generation: { template: 'qa', examples_per_chunk: EXAMPLES_PER_CHUNK },
      quality: { checks: ['format'] },
      export: { format: 'jsonl' },
    },
    /** The fake LLM's replies: well-behaved, but one example short for one page. */
    content: (req: FakeRequest): string => {
      const reply = qaFromPrompt(req);
      const text = String(req.body.messages?.at(-1)?.content ?? '');
      if (!text.includes(short)) return reply;
      const { examples } = JSON.parse(reply) as { examples: unknown[] };
      return JSON.stringify({ examples: examples.slice(0, 1) });
    },
  };
}

/** The funnel this job must show, stage by stage: [input, {outcome: count}], and the drop reasons. */
export const EXPECTED = {
  fetch: { input: 6, ok: 4, failed: 2, reasons: { failed: [{ code: 'blocked_address', count: 2 }] } },
  refine: { input: 4, ok: 4 },
  dedup: { input: 4, original: 3, exact_duplicate: 1 },
  generate: { input: 6, ok: 5, failed: 1, reasons: { failed: [{ code: 'too_few_examples', count: 1 }] } },
  inspect: { input: 5, passed: 5 },
  export: { input: 5, exported: 5 },
} as const;

/** The funnel's numbers in the shape of EXPECTED. */
export function funnelNumbers(f: JobFunnel): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    f.stages.map((s) => {
      const counts = Object.fromEntries(s.outcomes.filter((o) => o.count > 0).map((o) => [o.outcome, o.count]));
      const reasons = Object.fromEntries(s.outcomes.filter((o) => o.reasons.length).map((o) => [o.outcome, o.reasons]));
      return [s.stage, { input: s.input, ...counts, ...(Object.keys(reasons).length ? { reasons } : {}) }];
    }),
  );
}
