/**
 * End-to-end: `datafactory run` as a process, with Redis pointed at a port
 * where nothing listens (it needs none), against the fixture site and the
 * fake OpenAI-compatible server.
 */
import {
  builtApp,
  FakeOpenAiServer,
  FixtureSite,
  freePort,
  qaFromPrompt,
  runNode,
  tempDir,
} from '@datafactory/testing';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('datafactory run', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };
  /** The job the first test ran, which the second refreshes. */
  let jobId: string | undefined;

  beforeAll(async () => {
    site = await FixtureSite.start({ hosts: ['main'] });
    llm = new FakeOpenAiServer({ content: qaFromPrompt });
    await llm.start();
    dir = await tempDir();
  });
  afterAll(async () => {
    await site?.close();
    await llm?.stop();
    await dir?.remove();
  });

  it('runs the pipeline in one process with no Redis and writes the dataset where --out says', async () => {
    const out = path.join(dir.path, 'my-dataset');
    const urlsFile = path.join(dir.path, 'urls.txt');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      urlsFile,
      `# three pages\n${[1, 2, 3].map((n) => site.url('main', `/doc/${n + 200}`)).join('\n')}\n`,
    );
    const r = await runNode(
      builtApp('cli'),
      [
        'run',
        '--urls',
        urlsFile,
        '--template',
        'qa',
        '--format',
        'openai',
        '--out',
        out,
        '--allow-private-networks',
        '--examples-per-chunk',
        '2',
        // No toxicity model can be downloaded here; without one that check passes nothing.
        '--checks',
        'format,duplicates',
      ],
      {
        DATA_DIR: path.join(dir.path, 'data'),
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
        OPENAI_BASE_URL: llm.baseUrl,
        LOG_LEVEL: 'error',
      },
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/job [0-9a-f-]{36}: completed/);
    // The summary is the funnel: three URLs fetched, every stage adding up.
    expect(r.output).toMatch(/where the rows went:\n {2}fetch +3 urls → ok 3\n/);
    expect(r.output).toContain('every row is accounted for');
    expect(r.output).toMatch(/dataset: .*my-dataset \(\d+ record\(s\), openai/);
    const lines = readFileSync(path.join(out, 'data.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const { messages } = JSON.parse(line) as { messages: { role: string; content: string }[] };
      expect(messages.at(-1)!.role).toBe('assistant');
      expect(messages.every((m) => m.content.trim().length > 0)).toBe(true);
    }
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['README.md', 'sources.txt', 'data.jsonl']));
    jobId = /job ([0-9a-f-]{36}): completed/.exec(r.output)![1]!;
  });

  it('refreshes that job: nothing changed, so no LLM call, every example carried over, a card with the diff', async () => {
    expect(jobId).toBeDefined();
    const env = {
      DATA_DIR: path.join(dir.path, 'data'),
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'error',
    };
    llm.reset();
    const out = path.join(dir.path, 'refreshed');
    const r = await runNode(builtApp('cli'), ['refresh', jobId!, '--out', out, '--allow-private-networks'], env);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`refresh of job ${jobId}`);
    expect(r.output).toMatch(/job [0-9a-f-]{36}: completed/);
    expect(r.output).toMatch(/generate +\d+ examples → ok 0 · carried over \d+ \(unchanged ×\d+\)/);
    expect(r.output).toContain('every row is accounted for');
    expect(llm.requests).toHaveLength(0);
    const card = readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(card).toContain(`A refresh of job \`${jobId}\``);
    expect(card).toContain('| unchanged | 3 |');
    expect(card).toContain('| changed | 0 |');

    const unknown = await runNode(builtApp('cli'), ['refresh', '00000000-0000-4000-8000-000000000000'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toContain('job 00000000-0000-4000-8000-000000000000 not found');
  });

  it('skips a page that reserves TDM rights as tdm_reserved, and keeps it with --no-ai-reservations', async () => {
    const urls = ['meta-noai', 'none'].map((k) => site.url('main', `/rights/${k}`));
    const run = async (extra: string[], out: string) =>
      runNode(
        builtApp('cli'),
        ['run', ...urls, '--template', 'none', '--out', out, '--allow-private-networks', ...extra],
        {
          DATA_DIR: path.join(dir.path, 'data'),
          REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
          LOG_LEVEL: 'error',
        },
      );
    const respected = await run([], path.join(dir.path, 'respected'));
    expect(respected.code, respected.output).toBe(0);
    expect(respected.output).toMatch(/ {2}fetch +2 urls → ok 1 · skipped 1 \(tdm_reserved ×1\)\n/);

    const kept = await run(['--no-ai-reservations'], path.join(dir.path, 'kept'));
    expect(kept.code, kept.output).toBe(0);
    expect(kept.output).toMatch(/ {2}fetch +2 urls → ok 2\n/);
    const records = readFileSync(path.join(dir.path, 'kept', 'data.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { source_url: string; provenance: { terms: { robots_meta: string[] } } });
    const noai = records.find((r) => r.source_url.endsWith('/rights/meta-noai'))!;
    expect(noai.provenance.terms.robots_meta).toEqual(['noai', 'noimageai']);
  });
});
