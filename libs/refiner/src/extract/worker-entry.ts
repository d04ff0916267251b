import { parentPort } from 'node:worker_threads';
import { detectLanguage } from '@datafactory/text';
import { getTokenizer } from '../tokenizer.js';
import { extractPage, type PageOptions, type PageOutcome } from './page.js';

/** Messages between the extraction pool and this worker thread. */
export interface ExtractRequest {
  id: number;
  html: string;
  options: PageOptions;
}
export type ExtractResponse =
  | { ready: true }
  | { id: number; ok: true; outcome: PageOutcome }
  | { id: number; ok: false; error: { name: string; message: string } };

parentPort?.on('message', (request: ExtractRequest) => {
  let response: ExtractResponse;
  try {
    response = { id: request.id, ok: true, outcome: extractPage(request.html, request.options) };
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
