import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ProcessingConfigError, type RefinedDocument, Refiner } from '@datafactory/refiner';
import { Command, CommandRunner, Option } from 'nest-commander';

interface ExtractOptions {
  json?: boolean;
  url?: string;
  timeoutMs?: number;
}

/**
 * `datafactory extract [--json] [--url URL] FILE...`: the refiner's extraction
 * on local HTML files, all in one process (one worker thread, reused).
 */
@Command({
  name: 'extract',
  arguments: '<files...>',
  description: 'extract the main text of HTML files (--json: one JSON line per file)',
})
export class ExtractCommand extends CommandRunner {
  async run(files: string[], options: ExtractOptions): Promise<void> {
    let refiner: Refiner;
    try {
      refiner = new Refiner(options.timeoutMs ? { timeout_ms: options.timeoutMs } : {});
    } catch (e) {
      if (e instanceof ProcessingConfigError) {
        throw new Error(e.message.replace('processing.timeout_ms', '--timeout-ms'), { cause: e });
      }
      throw e;
    }
    try {
      for (const file of files) {
        let doc: RefinedDocument;
        try {
          doc = await refiner.extract({ html: await readFile(file), url: options.url, kind: kindOf(file) });
        } catch (e) {
          process.exitCode = 1;
          this.print(file, null, `cannot read ${file}: ${(e as Error).message}`, options);
          continue;
        }
        this.print(file, doc, doc.reason, options);
      }
    } finally {
      await refiner.close();
    }
  }

  private print(file: string, doc: RefinedDocument | null, reason: string | null, options: ExtractOptions): void {
    if (options.json) {
      console.log(
        JSON.stringify({
          file,
          title: doc?.title ?? null,
          text: doc?.text ?? '',
          language: doc?.language ?? null,
          words: doc?.words ?? 0,
          status: doc?.status ?? 'failed',
          reason,
          quality: doc?.quality ?? null,
        }),
      );
      return;
    }
    const status = doc?.status ?? 'failed';
    const head = [`== ${file}`, status === 'ok' ? '' : `(${status}: ${reason})`].filter(Boolean).join(' ');
    console.log(head);
    if (doc?.title) console.log(`# ${doc.title}\n`);
    if (doc?.text) console.log(doc.text);
    console.log();
  }

  @Option({
    flags: '--json',
    description: 'one JSON line per file: {"file","title","text","language","words","status","reason","quality"}',
  })
  parseJson(): boolean {
    return true;
  }

  @Option({ flags: '--url <url>', description: 'base URL of the pages, when known' })
  parseUrl(value: string): string {
    return value;
  }

  @Option({ flags: '--timeout-ms <ms>', description: 'time limit per page (default 20000)' })
  parseTimeout(value: string): number {
    return Number(value);
  }
}

/** How a file is read, from its extension: PDFs and Word files by their bytes, Markdown as text, the rest as a page. */
function kindOf(file: string): 'html' | 'text' | 'pdf' | 'docx' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.pdf') return 'pdf';
  if (ext === '.docx') return 'docx';
  if (ext === '.md' || ext === '.markdown') return 'text';
  return 'html';
}
