import type { ExportConfig } from './config.js';

/** LLaMA-Factory's dataset registry file, written next to the data files. */
export const DATASET_INFO_FILE = 'dataset_info.json';

/**
 * The `dataset_info.json` entries LLaMA-Factory needs to load the data files
 * as they are (`dataset_dir` = the version folder, `dataset` = an entry
 * name): one entry per split file, for the formats it reads (`alpaca`,
 * `sharegpt`, and `openai` chat as sharegpt with OpenAI's role tags). A
 * preference export is a `ranking` dataset (chosen/rejected columns); the
 * OpenAI preference shape is not one LLaMA-Factory reads, so that export has
 * none. Returns null when there is nothing to write.
 */
export function datasetInfo(
  config: Pick<ExportConfig, 'format'>,
  template: string | null,
  name: string,
  files: { split: string; file: string }[],
): Record<string, Record<string, unknown>> | null {
  const ranking = template === 'preference';
  const entry = (file: string): Record<string, unknown> | null => {
    switch (config.format) {
      case 'alpaca':
        return ranking
          ? {
              file_name: file,
              formatting: 'alpaca',
              ranking: true,
              columns: { prompt: 'instruction', query: 'input', chosen: 'chosen', rejected: 'rejected' },
            }
          : {
              file_name: file,
              formatting: 'alpaca',
              columns: {
                prompt: 'instruction',
                query: 'input',
                response: 'output',
                ...(template === 'conversation' ? { system: 'system', history: 'history' } : {}),
              },
            };
      case 'sharegpt':
        return {
          file_name: file,
          formatting: 'sharegpt',
          ...(ranking ? { ranking: true } : {}),
          columns: { messages: 'conversations', ...(ranking ? { chosen: 'chosen', rejected: 'rejected' } : {}) },
          tags: {
            role_tag: 'from',
            content_tag: 'value',
            user_tag: 'human',
            assistant_tag: 'gpt',
            system_tag: 'system',
          },
        };
      case 'openai':
        return ranking
          ? null
          : {
              file_name: file,
              formatting: 'sharegpt',
              columns: { messages: 'messages' },
              tags: {
                role_tag: 'role',
                content_tag: 'content',
                user_tag: 'user',
                assistant_tag: 'assistant',
                system_tag: 'system',
              },
            };
      default:
        return null;
    }
  };
  const out: Record<string, Record<string, unknown>> = {};
  for (const f of files) {
    const e = entry(f.file);
    if (!e) return null;
    out[files.length === 1 ? name : `${name}_${f.split}`] = e;
  }
  return Object.keys(out).length ? out : null;
}

/** A dataset name LLaMA-Factory takes on its command line: lower case, a-z 0-9 and _. */
export function datasetName(projectName: string, version: string): string {
  const slug = `${projectName}_${version}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return slug || 'dataset';
}
