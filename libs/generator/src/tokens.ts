import { createRequire } from 'node:module';
import type { Tiktoken, TiktokenEncoding } from 'tiktoken';

// tiktoken instantiates its WASM when it is loaded: loaded on the first count, so that a process that only
// lists templates (the API) never pays for it.
const require = createRequire(import.meta.url);
let tiktoken: typeof import('tiktoken') | undefined;

const encoders = new Map<TiktokenEncoding, Tiktoken>();

/**
 * The tokenizer of a model family: o200k_base for the gpt-4o generation and
 * later (gpt-4o, gpt-4.1, gpt-5, o1/o3/o4), cl100k_base for older OpenAI
 * models and as the approximation for models that are not OpenAI's.
 */
export function encodingFor(model: string): TiktokenEncoding {
  const name = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  return /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|o\d)/.test(name) ? 'o200k_base' : 'cl100k_base';
}

function encoder(encoding: TiktokenEncoding): Tiktoken {
  let enc = encoders.get(encoding);
  if (!enc) {
    // Loading an encoding costs ~250 ms; encoders are kept for the life of the process.
    tiktoken ??= require('tiktoken') as typeof import('tiktoken');
    enc = tiktoken.get_encoding(encoding);
    encoders.set(encoding, enc);
  }
  return enc;
}

/** Tokens in a text. encode_ordinary skips special-token handling (and its fixed per-call cost). */
export function countTokens(text: string, model: string): number {
  return text ? encoder(encodingFor(model)).encode_ordinary(text).length : 0;
}

export interface ChatMessageText {
  role: string;
  content: string;
}

/** Prompt tokens of a chat request the way OpenAI counts them: 3 per message, its role and content, 3 to prime the reply. */
export function countChatTokens(messages: readonly ChatMessageText[], model: string): number {
  let total = 3;
  for (const m of messages) total += 3 + countTokens(m.role, model) + countTokens(m.content, model);
  return total;
}
