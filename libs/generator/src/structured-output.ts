import { APIError } from 'openai';

/**
 * How a reply is made to be JSON: `json_schema` (the server enforces the
 * template's schema), `json_object` (JSON mode: any JSON object), or `prompt`
 * (the schema is only in the prompt). Which one a server supports is learnt
 * from its answers (a 400 about response_format), not from its name.
 */
export type StructuredOutputMode = 'json_schema' | 'json_object' | 'prompt';

const NEXT: Record<StructuredOutputMode, StructuredOutputMode | undefined> = {
  json_schema: 'json_object',
  json_object: 'prompt',
  prompt: undefined,
};

/** What each (server, model) pair was found to support; share one across jobs so that it is learnt once. */
export class StructuredOutputSupport {
  private readonly modes = new Map<string, StructuredOutputMode>();

  modeFor(baseUrl: string, model: string): StructuredOutputMode {
    return this.modes.get(`${baseUrl}|${model}`) ?? 'json_schema';
  }

  /** Records that `mode` was rejected; returns the mode to use now (undefined: none left). */
  downgrade(baseUrl: string, model: string, rejected: StructuredOutputMode): StructuredOutputMode | undefined {
    const key = `${baseUrl}|${model}`;
    const current = this.modes.get(key) ?? 'json_schema';
    // Several calls in flight may see the same rejection: only the first one moves the mode on.
    if (rank(current) > rank(rejected)) return current;
    const next = NEXT[rejected];
    if (next) this.modes.set(key, next);
    return next;
  }
}

function rank(mode: StructuredOutputMode): number {
  return mode === 'json_schema' ? 0 : mode === 'json_object' ? 1 : 2;
}

/** A 400/422 that blames response_format (OpenAI, vLLM, LM Studio, llama.cpp and Ollama word it differently). */
export function isResponseFormatRejection(error: unknown): boolean {
  if (!(error instanceof APIError) || (error.status !== 400 && error.status !== 422)) return false;
  const body = error.error as { param?: unknown; message?: unknown } | undefined;
  const text = `${String(body?.param ?? '')} ${String(body?.message ?? '')} ${error.message}`.toLowerCase();
  return /response_format|json_schema|json_object|structured output|guided_json/.test(text);
}
