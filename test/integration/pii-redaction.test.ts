/**
 * Integration: PII redaction through the whole pipeline in one process (what
 * `datafactory run` does): the fixture site's `/pii` page with planted
 * emails, phones, IPs, a card, an IBAN and keys, the fake OpenAI-compatible
 * server (which records every request), a real SQLite file, the real stage
 * libs. No Redis.
 */
import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '@datafactory/config';
import { Chunk, createOrmConfig } from '@datafactory/persistence';
import { runJobLocally } from '@datafactory/pipeline/worker';
import {
  FakeOpenAiServer,
  FixtureSite,
  PII_NEAR_MISSES,
  PLANTED_PII,
  qaFromPrompt,
  tempDir,
} from '@datafactory/testing';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const planted = Object.values(PLANTED_PII).flat();

describe('PII redaction in the pipeline', () => {
  let site: FixtureSite;
  let llm: FakeOpenAiServer;
  let dir: { path: string; remove: () => Promise<void> };

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

  const config = () =>
    loadConfig({
      DATA_DIR: dir.path,
      OPENAI_BASE_URL: llm.baseUrl,
      LOG_LEVEL: 'silent',
      CRAWL_ALLOW_PRIVATE_NETWORKS: 'true',
    });
  const chunksOf = async (jobId: string) => {
    const orm = await MikroORM.init(createOrmConfig(config().database) as Parameters<typeof MikroORM.init>[0]);
    try {
      return await orm.em.fork().find(Chunk, { job: jobId }, { orderBy: { chunkIndex: 'asc' } });
    } finally {
      await orm.close();
    }
  };

  it('never sends a planted value to the model, stores placeholders, and counts them in the card', async () => {
    const before = llm.requests.length;
    const { job, export: exported } = await runJobLocally(config(), {
      urls: [site.url('main', '/pii')],
      jobConfig: {
        generation: { template: 'qa', examples_per_chunk: 2 },
        quality: { checks: ['format'] },
        export: { format: 'jsonl' },
      },
    });
    expect(job.status, job.error ?? '').toBe('completed');

    const sent = llm.requests.slice(before).map((r) => JSON.stringify(r.body));
    expect(sent.length).toBeGreaterThan(0);
    const all = sent.join('\n');
    for (const value of planted) expect(all).not.toContain(value);
    for (const placeholder of ['<EMAIL>', '<PHONE>', '<IP>', '<CREDIT_CARD>', '<IBAN>', '<SECRET>']) {
      expect(all).toContain(placeholder);
    }

    const chunks = await chunksOf(job.id);
    const text = chunks.map((c) => c.content).join('\n');
    for (const value of planted) expect(text).not.toContain(value);
    for (const nearMiss of PII_NEAR_MISSES) expect(text).toContain(nearMiss);
    const counted: Record<string, number> = {};
    for (const c of chunks) {
      for (const [k, n] of Object.entries((c.metadata as { pii?: Record<string, number> }).pii ?? {})) {
        counted[k] = (counted[k] ?? 0) + n;
      }
    }
    expect(counted).toEqual({ email: 2, phone: 2, ip: 2, credit_card: 1, iban: 1, secret: 2 });

    const card = readFileSync(path.join(dir.path, exported!.filePath, 'README.md'), 'utf8');
    expect(card).toContain(
      'PII redacted: 2 email addresses, 2 phone numbers, 2 IP addresses, 1 credit-card number, 1 IBAN, 2 API keys or secrets.',
    );
    expect(card).not.toMatch(/Not redacted in this job/);
  });

  it('exports redacted text with template none, and keeps the kinds switched off', async () => {
    const { job, export: exported } = await runJobLocally(config(), {
      urls: [site.url('main', '/pii?none=1')],
      jobConfig: {
        processing: { redact_pii: { email: false, phone: false } },
        generation: { template: 'none' },
        export: { format: 'jsonl' },
      },
    });
    expect(job.status, job.error ?? '').toBe('completed');
    const folder = path.join(dir.path, exported!.filePath);
    const text = readFileSync(path.join(folder, 'data.jsonl'), 'utf8');
    for (const value of [...PLANTED_PII.email, ...PLANTED_PII.phone]) expect(text).toContain(value);
    for (const value of [...PLANTED_PII.ip, ...PLANTED_PII.credit_card, ...PLANTED_PII.iban, ...PLANTED_PII.secret]) {
      expect(text).not.toContain(value);
    }
    expect(text).toContain('<CREDIT_CARD>');
    const card = readFileSync(path.join(folder, 'README.md'), 'utf8');
    expect(card).toContain('PII redacted: 2 IP addresses, 1 credit-card number, 1 IBAN, 2 API keys or secrets.');
    expect(card).toContain('Not redacted in this job: email addresses, phone numbers.');
  });
});
