/** A generation setting is missing or wrong; `field` names it as the user wrote it (e.g. `generation.model`). */
export class GenerationConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
    this.name = 'GenerationConfigError';
  }
}

/** A template file that cannot be used; `file` and `line` say where (line is 1-based, when known). */
export class TemplateError extends Error {
  constructor(
    readonly template: string,
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(`template "${template}": ${file}${line === undefined ? '' : `:${line}`}: ${problem}`);
    this.name = 'TemplateError';
  }
}

export class UnknownTemplateError extends Error {
  constructor(
    readonly template: string,
    readonly available: string[],
  ) {
    super(`unknown template "${template}" (available: ${available.join(', ')})`);
    this.name = 'UnknownTemplateError';
  }
}

/** The job's max_cost_usd is spent: no further LLM call is started. */
export class BudgetExhaustedError extends Error {
  constructor(
    readonly maxCostUsd: number,
    readonly spentUsd: number,
  ) {
    super(`generation stopped: max_cost_usd ${maxCostUsd} reached (spent ${spentUsd.toFixed(6)} USD)`);
    this.name = 'BudgetExhaustedError';
  }
}

/** The caller's AbortSignal fired; no further request is issued for this chunk. */
export class GenerationAbortedError extends Error {
  constructor(reason?: unknown) {
    super(
      `generation cancelled${reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : ''}`,
    );
    this.name = 'AbortError';
  }
}

/**
 * An error no retry or other chunk can fix (bad API key, unknown model, no such
 * endpoint): the job should stop rather than record a failure per chunk.
 */
export class LlmFatalError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmFatalError';
  }
}
