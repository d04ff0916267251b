import { parentPort } from 'node:worker_threads';
import { detectLanguage, getTokenizer } from '@datafactory/text';
import { extractSource, type PageOptions, type PageOutcome, type SourceInput } from './page.js';

/** Messages between the extraction pool and this worker thread. */
export interface ExtractRequest {
  id: number;
  /** A page or text, or a file's bytes (transferred, not copied). */
  input: SourceInput;
  options: PageOptions;
}
export type ExtractResponse =
  | { ready: true }
  | { id: number; ok: true; outcome: PageOutcome }
  | { id: number; ok: false; error: { name: string; message: string } };

parentPort?.on('message', async (request: ExtractRequest) => {
  let response: ExtractResponse;
  try {
    const outcome = await extractSource(request.input, request.options);
    response = { id: request.id, ok: true, outcome };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    response = { id: request.id, ok: false, error: { name: err.name, message: err.message } };
  }
  parentPort!.postMessage(response);
});

// Loading the parser, the language model and the default tokenizer takes a while: the pool starts a page's clock after this.
detectLanguage('The language model loads on first use, so load it before the first page.');
getTokenizer('gpt-4o-mini');
parentPort?.postMessage({ ready: true } satisfies ExtractResponse);
