import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '@datafactory/config';
import { Crawler, storeCrawledDocument } from '@datafactory/crawler';
import { createOrmConfig, Job, migrateDatabase, Project, RawDocument } from '@datafactory/persistence';
import { FixtureSite, tempDir } from '@datafactory/testing';

/*
 * Crawled documents stored as the pipeline will store them: HTML under a
 * temporary DATA_DIR, one raw_documents row each, in a real SQLite file.
 */

let site: FixtureSite;
let dir: { path: string; remove: () => Promise<void> };
let orm: MikroORM;

beforeAll(async () => {
  site = await FixtureSite.start({ hosts: ['main'] });
  dir = await tempDir('df-crawler-storage-');
  const db: DatabaseConfig = { driver: 'sqlite', path: path.join(dir.path, 'df.db'), busyTimeoutMs: 5_000 };
  await migrateDatabase(db);
  orm = await MikroORM.init(createOrmConfig(db));
});

afterAll(async () => {
  await orm?.close(true);
  await site?.close();
  await dir?.remove();
});

describe('crawler storage', () => {
  it('writes the HTML under DATA_DIR and one raw_documents row per URL, failures included', async () => {
    const em = orm.em.fork();
    const project = em.create(Project, { name: 'crawl' });
    const job = em.create(Job, { project });
    await em.flush();

    const crawler = new Crawler({ trustedHosts: site.hostPorts() });
    const urls = ['/cp1252', '/404', '/private/secret', '/meta'].map((p) => site.url('main', p));
    await crawler.run(
      urls,
      { requests_per_second: 50, use_playwright: 'never' },
      {
        onDocument: (document) => storeCrawledDocument(orm.em, { jobId: job.id, dataDir: dir.path, document }),
      },
    );
    await crawler.close();

    const rows = await orm.em.fork().find(RawDocument, { job: job.id });
    const byUrl = new Map(rows.map((r) => [r.url, r]));
    expect(rows).toHaveLength(4);
    const ok = byUrl.get(site.url('main', '/cp1252'))!;
    expect(ok).toMatchObject({ scrapeStatus: 'ok', httpStatus: 200, fetchMethod: 'http', title: 'Café' });
    expect(ok.htmlPath).toMatch(new RegExp(`^raw/${job.id}/[0-9a-f]{32}\\.html$`));
    expect(await readFile(path.resolve(dir.path, ok.htmlPath!), 'utf8')).toContain('“quotes” cost 5 €');
    expect(ok.metadata).toMatchObject({ charset: 'windows-1252', attempts: 1, depth: 0 });
    expect(byUrl.get(site.url('main', '/404'))).toMatchObject({
      scrapeStatus: 'failed',
      error: 'HTTP 404',
      htmlPath: null,
    });
    expect(byUrl.get(site.url('main', '/private/secret'))).toMatchObject({ scrapeStatus: 'skipped', htmlPath: null });
    const meta = byUrl.get(site.url('main', '/meta'))!;
    expect(meta.canonicalUrl).toBe(site.url('main', '/meta-canonical'));
    expect(meta.publishedAt?.toISOString()).toBe('2024-03-05T10:00:00.000Z');
    expect(meta.language).toBe('fr-CA');
  });
});
