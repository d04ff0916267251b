import { ExampleStatus } from '@datafactory/contracts';
import type { GeneratedExample } from './generator.js';
import type { PromptTemplate, TemplateVariables } from './templates/template.js';
import { countTokens } from './tokens.js';

/**
 * Why an example asked for is not ok: the request failed, the reply was cut
 * off at the token limit, could not be read, held fewer examples than asked,
 * this example broke the template's schema, or the job's max_cost_usd left
 * no room for the call (`budget_exhausted`, no call made). Stored first in `error` and as
 * `lineage.failureReason`.
 */
export type FailureReason =
  'request_failed' | 'truncated' | 'unparseable' | 'too_few_examples' | 'invalid_example' | 'budget_exhausted';

/** An example before its cost and lineage are known. */
export type Draft = Omit<GeneratedExample, 'cost' | 'lineage'> & {
  fields: Record<string, unknown> | null;
  failureReason?: FailureReason | null;
};

/** A reply read against the template: its examples, each with its schema error. */
export interface ReadReply {
  items: { fields: Record<string, unknown>; error: string | null }[];
  /** What is wrong with the reply as a whole or with any item; null when all is well. */
  problem: string | null;
}

/**
 * The examples of one chunk, as asked for: every one of the `count` ends ok
 * or failed with a reason. A reply with fewer records the shortfall, one
 * failed example per missing one; examples past `count` were not asked for.
 */
export class ExampleAccount {
  readonly drafts: Draft[] = [];
  /** Examples the reply held beyond the ones asked for. */
  extraInReply = 0;

  constructor(
    readonly count: number,
    private readonly template: PromptTemplate,
    private readonly vars: TemplateVariables,
    private readonly model: string,
  ) {}

  /** Takes the reply's examples, at most `count` of them; returns how many were taken. */
  fromReply(read: ReadReply, raw: string, note: string): number {
    const items = read.items.slice(0, this.count);
    this.extraInReply = read.items.length - items.length;
    for (const item of items) {
      let texts = { inputText: '', outputText: '' };
      try {
        texts = this.template.texts(item.fields, this.vars);
      } catch (e) {
        item.error ??= (e as Error).message;
      }
      const ok = item.error === null;
      this.drafts.push({
        status: ok ? ExampleStatus.Ok : ExampleStatus.Failed,
        ...texts,
        error: ok ? null : `invalid_example: ${item.error}${note}`,
        failureReason: ok ? null : 'invalid_example',
        rawReply: raw,
        tokenCount: countTokens(`${texts.inputText}\n${texts.outputText}`, this.model),
        fields: item.fields,
      });
    }
    return items.length;
  }

  /** Fails every example still missing, with `reason`. */
  fillTo(reason: FailureReason, error: string, rawReply: string | null): void {
    while (this.drafts.length < this.count) {
      this.drafts.push({
        status: ExampleStatus.Failed,
        inputText: '',
        outputText: '',
        error: `${reason}: ${error}`,
        failureReason: reason,
        rawReply,
        tokenCount: 0,
        fields: null,
      });
    }
  }
}
