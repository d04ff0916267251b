import { encodingForModel, getTokenizer } from '@datafactory/text';

/**
 * Tokens in a text, in the encoding of `model` (libs/text `encodingForModel`: o200k_base for the gpt-4o
 * generation and later and for models tiktoken does not know, cl100k_base for gpt-4 and gpt-3.5). Counted
 * as the refiner counts chunks: piece by piece where the encoding's split is known, each distinct piece
 * (mostly words) tokenized once per process, which is tiktoken's count at a fraction of the time when the
 * same template text comes back in every prompt.
 */
export function countTokens(text: string, model: string): number {
  if (!text) return 0;
  const tokenizer = getTokenizer(encodingForModel(model));
  return tokenizer.countByPieces ? tokenizer.countByPieces(text) : tokenizer.count(text);
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
