/**
 * End-to-end: files uploaded with a job (multipart/form-data on
 * `POST /api/projects/{id}/jobs`) and PDFs fetched from the fixture site,
 * through the built API and a worker, and `datafactory run FILE FOLDER` on
 * local files. Real: the processes, SQLite, Redis, the fixture site's HTTP;
 * faked: the LLM only (the fake OpenAI server).
 */
import { RawDocument, TrainingExample } from '@datafactory/persistence';
import {
  builtApp,
  type PipelineStack,
  qaFromPrompt,
  runNode,
  SseClient,
  startPipelineStack,
  tempDir,
  tinyDocx,
  tinyPdf,
} from '@datafactory/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const sentence = (topic: string, n: number) =>
  `The ${topic} memo number ${n} explains how the team reviewed the ${topic} schedule and agreed on the next steps.`;
const paragraphs = (topic: string, count = 3) =>
  Array.from({ length: count }, (_, i) => sentence(topic, i + 1)).join('\n\n');

describe('uploaded files and PDFs through the API and the CLI', () => {
  let p: PipelineStack;
  let project: string;

  beforeAll(async () => {
    p = await startPipelineStack({
      workers: 1,
      hosts: ['main'],
      llm: { content: qaFromPrompt },
      env: { UPLOAD_MAX_FILES: '4', UPLOAD_MAX_FILE_MB: '1', UPLOAD_MAX_TOTAL_MB: '2' },
      timeoutMs: 60_000,
    });
    project = (await p.stack.json('POST', '/api/projects', { name: 'uploads' })).body.id as string;
  }, 90_000);

  afterAll(async () => {
    await p?.stop();
  });

  const post = (form: FormData) => p.stack.fetch(`/api/projects/${project}/jobs`, { method: 'POST', body: form });
  const file = (form: FormData, name: string, bytes: Uint8Array | string, type = 'application/octet-stream') =>
    form.append('files', new Blob([typeof bytes === 'string' ? bytes : Buffer.from(bytes)], { type }), name);

  it('runs a job of uploaded files (Markdown, PDF, Word) and fetched PDFs, each with its source', async () => {
    const form = new FormData();
    form.append(
      'urls',
      JSON.stringify([p.site.url('main', '/files/report.pdf'), p.site.url('main', '/files/scan.pdf')]),
    );
    form.append(
      'config',
      JSON.stringify({
        scraping: { requests_per_second: 50 },
        processing: { min_words: 5 },
        generation: { template: 'qa', examples_per_chunk: 1 },
        quality: { checks: ['format'] },
      }),
    );
    file(form, 'guide-übersicht.md', `# Guide\n\n${paragraphs('guide')}\n`, 'text/markdown');
    file(
      form,
      'minutes.pdf',
      tinyPdf([
        {
          lines: [
            { text: 'Minutes', size: 20 },
            ...[1, 2].map((n) => ({ text: sentence('minutes', n), gapBefore: 12 })),
          ],
        },
      ]),
      'application/pdf',
    );
    file(
      form,
      'plan.docx',
      tinyDocx([{ text: 'Plan', heading: 1 }, { text: sentence('plan', 1) }, { text: sentence('plan', 2) }]),
    );
    const created = await post(form);
    const body = (await created.json()) as { id: string; status: string };
    expect(created.status, JSON.stringify(body)).toBe(201);
    expect(body.status).toBe('running');

    const sse = await SseClient.open(`${p.stack.base}/api/jobs/${body.id}/stream`);
    const done = await sse.next((e) => e.event === 'done', 'the done event');
    sse.close();
    expect(done.data.status).toBe('completed');

    const funnel = (await p.stack.json('GET', `/api/jobs/${body.id}/funnel`)).body as {
      stages: {
        stage: string;
        input: number;
        holds: boolean;
        outcomes: { outcome: string; count: number; reasons: { code: string; count: number }[] }[];
      }[];
    };
    const stage = (name: string) => funnel.stages.find((s) => s.stage === name)!;
    expect(stage('fetch').input).toBe(5);
    expect(stage('fetch').outcomes.find((o) => o.outcome === 'ok')!.count).toBe(5);
    expect(stage('refine').outcomes.find((o) => o.outcome === 'ok')!.count).toBe(4);
    expect(stage('refine').outcomes.flatMap((o) => o.reasons)).toEqual([{ code: 'no_text_layer', count: 1 }]);
    expect(funnel.stages.every((s) => s.holds)).toBe(true);

    const em = (await p.orm()).em.fork();
    const docs = await em.find(RawDocument, { job: body.id }, { orderBy: { url: 'asc' } });
    expect(docs.map((d) => d.url)).toEqual([
      p.site.url('main', '/files/report.pdf'),
      p.site.url('main', '/files/scan.pdf'),
      'upload:guide-übersicht.md',
      'upload:minutes.pdf',
      'upload:plan.docx',
    ]);
    for (const d of docs.filter((x) => x.url.startsWith('upload:')))
      expect(d.metadata).toMatchObject({ source: 'upload' });
    const examples = await em.find(TrainingExample, { job: body.id });
    const sources = new Map(
      examples.map((e) => [(e.lineage as { sourceUrl: string }).sourceUrl, (e.lineage as { source: string }).source]),
    );
    expect(sources.get('upload:guide-übersicht.md')).toBe('upload');
    expect(sources.get('upload:minutes.pdf')).toBe('upload');
    expect(sources.get('upload:plan.docx')).toBe('upload');
    expect(sources.get(p.site.url('main', '/files/report.pdf'))).toBe('web');
  }, 120_000);

  it('refuses bad uploads with a 400 naming the file or field, and starts no job', async () => {
    const before = (await p.stack.json('GET', `/api/projects/${project}/jobs`)).body.total as number;
    const expect400 = async (form: FormData, message: RegExp) => {
      const res = await post(form);
      const body = (await res.json()) as { message: string; details?: string[] };
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect([body.message, ...(body.details ?? [])].join(' | ')).toMatch(message);
    };
    let form = new FormData();
    file(form, 'tool.exe', 'MZ');
    await expect400(form, /files\[0\] "tool\.exe": type \.exe is not accepted/);

    form = new FormData();
    file(form, 'huge.pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1024 * 1024 + 10)]));
    await expect400(form, /"huge\.pdf" is over 1 MB; at most 1 MB per file \(UPLOAD_MAX_FILE_MB\)/);

    form = new FormData();
    for (let i = 0; i < 5; i++) file(form, `n${i}.txt`, 'some text');
    await expect400(form, /more than 4 files; at most 4 per job \(UPLOAD_MAX_FILES\)/);

    form = new FormData();
    file(form, 'fake.pdf', '<html>not a pdf</html>');
    await expect400(form, /files\[0\] "fake\.pdf" is not a PDF file/);

    form = new FormData();
    file(form, 'ok.md', '# fine');
    form.append('config', '{not json');
    await expect400(form, /config must be a JSON object/);

    form = new FormData();
    file(form, 'ok.md', '# fine');
    form.append('token', 'x');
    await expect400(form, /unknown form field\(s\) token/);

    form = new FormData();
    form.append('config', '{}');
    await expect400(form, /urls must be a non-empty list of URLs/);

    const broken = await p.stack.fetch(`/api/projects/${project}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.md"\r\n\r\nunterminated',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { message: string }).message).toMatch(/multipart body is malformed/);

    expect((await p.stack.json('GET', `/api/projects/${project}/jobs`)).body.total).toBe(before);
  });

  it('runs `datafactory run FILE FOLDER` on local files with no URL and no LLM (--template none)', async () => {
    const dir = await tempDir('df-run-files-');
    try {
      const notes = path.join(dir.path, 'notes');
      mkdirSync(notes);
      writeFileSync(path.join(notes, 'a.md'), `# Alpha\n\n${paragraphs('alpha')}`);
      writeFileSync(path.join(notes, 'b.txt'), paragraphs('beta'));
      writeFileSync(path.join(notes, 'skip.csv'), 'a,b');
      const pdf = path.join(dir.path, 'c.pdf');
      writeFileSync(pdf, tinyPdf([{ lines: [1, 2, 3].map((n) => ({ text: sentence('gamma', n), gapBefore: 12 })) }]));
      const out = path.join(dir.path, 'out');
      const { code, output } = await runNode(
        builtApp('cli'),
        ['run', notes, pdf, '--template', 'none', '--format', 'jsonl', '--out', out],
        { DATA_DIR: path.join(dir.path, 'data'), LOG_LEVEL: 'silent', REDIS_URL: '' },
      );
      expect(code, output).toBe(0);
      expect(output).toContain('left out 1 file(s) of other types (notes/skip.csv)');
      expect(output).toMatch(/fetch\s+3 urls → ok 3/);
      expect(output).toMatch(/refine\s+3 pages → ok 3/);

      const missing = await runNode(builtApp('cli'), ['run', path.join(dir.path, 'nope.md')], {
        DATA_DIR: path.join(dir.path, 'data'),
        LOG_LEVEL: 'silent',
      });
      expect(missing.code).not.toBe(0);
      expect(missing.output).toMatch(/nope\.md: no such file or folder \(and not a URL\)/);
    } finally {
      await dir.remove();
    }
  }, 120_000);
});
