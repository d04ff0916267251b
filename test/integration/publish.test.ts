/**
 * Publishing an export to the Hugging Face Hub with the real client
 * (@huggingface/hub) against FakeHubServer, a local server speaking the Hub's
 * HTTP API (repo create, preupload, LFS batch and upload, NDJSON commit):
 * the files and the commit the client sent are checked byte for byte, and
 * every Hub error becomes a PublishError whose message never holds the token.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { exportJob, type ExportResult, hubRepoProblem, PublishError, publishExport } from '@datafactory/exporter';
import { FakeHubServer, tempDir } from '@datafactory/testing';
import { openTestDatabase, seedJob, type SeededJob, type TestDatabase } from './exporter-helpers.js';

const TOKEN = FakeHubServer.TOKEN;

function frontMatter(card: string): Record<string, unknown> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(card);
  expect(m, 'the card starts with YAML front matter').not.toBeNull();
  return parseYaml(m![1]!) as Record<string, unknown>;
}

describe('publishing an export to the Hub (fake Hub, real client)', () => {
  let t: TestDatabase;
  let dataDir: { path: string; remove: () => Promise<void> };
  let seeded: SeededJob;
  let hub: FakeHubServer;
  let split: ExportResult;
  let parquet: ExportResult;
  const row = (r: ExportResult) => ({ filePath: r.relativeDirectory, version: r.version });
  const options = (extra: { token?: string | undefined; hubUrl?: string } = {}) => ({
    dataDir: dataDir.path,
    token: 'token' in extra ? extra.token : TOKEN,
    hubUrl: extra.hubUrl ?? hub.url,
  });

  beforeAll(async () => {
    t = await openTestDatabase('sqlite');
    dataDir = await tempDir('df-publish-');
    seeded = await seedJob(t.orm.em, { domains: 8 });
    split = await exportJob(
      t.orm.em,
      seeded.jobId,
      { format: 'jsonl', split: { train: 0.5, test: 0.5 } },
      { dataDir: dataDir.path },
    );
    parquet = await exportJob(t.orm.em, seeded.jobId, { format: 'parquet' }, { dataDir: dataDir.path });
  });

  beforeEach(async () => {
    await hub?.stop();
    hub = await new FakeHubServer().start();
  });

  afterAll(async () => {
    await hub?.stop();
    await t?.close();
    await dataDir?.remove();
  });

  it('creates a private dataset repo and commits the data files, the card as README.md and the sources', async () => {
    expect(split.files.map((f) => f.split).sort()).toEqual(['test', 'train']);
    const result = await publishExport(row(split), { repo: 'alice/rust-qa', private: true }, options());

    const repo = hub.repos.get('alice/rust-qa')!;
    expect(repo.private).toBe(true);
    expect(result).toMatchObject({ repo: 'alice/rust-qa', created: true, private: true });
    expect(result.url).toBe(`${hub.url}/datasets/alice/rust-qa`);
    expect(result.commit.oid).toBe(repo.commits[0]!.oid);
    expect(result.files.sort()).toEqual(['README.md', 'sources.txt', 'test.jsonl', 'train.jsonl']);

    // The calls the client made, in order, each with the token (and no other call).
    expect(hub.requests.map((r) => r.call)).toEqual(['create', 'preupload', 'commit']);
    expect(hub.requests.every((r) => r.token === TOKEN)).toBe(true);
    expect(hub.requests[0]!.body).toMatchObject({
      name: 'rust-qa',
      organization: 'alice',
      type: 'dataset',
      visibility: 'private',
    });

    // One commit, its header and a file line per file; the files are the export's, byte for byte.
    expect(repo.commits).toHaveLength(1);
    const commit = repo.commits[0]!;
    expect(commit.lines[0]!.key).toBe('header');
    expect(commit.summary).toBe(`Dataset version ${split.version}`);
    expect(
      commit.lines
        .slice(1)
        .map((l) => [l.key, l.value.path])
        .sort(),
    ).toEqual([
      ['file', 'README.md'],
      ['file', 'sources.txt'],
      ['file', 'test.jsonl'],
      ['file', 'train.jsonl'],
    ]);
    for (const f of split.files) expect(repo.files.get(f.file)!.equals(readFileSync(f.path))).toBe(true);
    expect(repo.files.get('README.md')!.equals(readFileSync(split.cardPath))).toBe(true);
    expect(repo.files.get('sources.txt')!.equals(readFileSync(split.sourcesPath))).toBe(true);

    // The card's `configs:` name a file of the repository for every split: what load_dataset reads.
    const configs = frontMatter(repo.files.get('README.md')!.toString('utf8')).configs as {
      config_name: string;
      data_files: { split: string; path: string }[];
    }[];
    expect(configs).toHaveLength(1);
    expect(configs[0]!.config_name).toBe('default');
    const dataFiles = configs[0]!.data_files;
    expect(dataFiles.map((d) => d.split).sort()).toEqual(['test', 'train']);
    for (const d of dataFiles) {
      expect(repo.files.has(d.path), d.path).toBe(true);
      expect(repo.files.get(d.path)!.toString('utf8').split('\n').filter(Boolean)).toHaveLength(
        split.files.find((f) => f.split === d.split)!.records,
      );
    }
  });

  it('uploads a Parquet file through the LFS batch API and commits it as an LFS pointer', async () => {
    const result = await publishExport(row(parquet), { repo: 'alice/rust-parquet' }, options());
    const repo = hub.repos.get('alice/rust-parquet')!;
    expect(repo.private).toBe(false);
    expect(result.private).toBe(false);
    expect(hub.requests.map((r) => r.call)).toEqual(['create', 'preupload', 'batch', 'lfs_upload', 'commit']);
    const batch = hub.requests.find((r) => r.call === 'batch')!.body as Record<string, unknown>;
    const local = readFileSync(parquet.files[0]!.path);
    expect(batch).toMatchObject({ operation: 'upload', hash_algo: 'sha_256' });
    expect(batch.transfers).toContain('basic');
    expect(batch.objects).toEqual([{ oid: expect.stringMatching(/^[0-9a-f]{64}$/), size: local.length }]);
    // The object upload goes to the URL the batch answer named, without the token.
    expect(hub.requests.find((r) => r.call === 'lfs_upload')!.token).toBeNull();
    const lfsLine = repo.commits[0]!.lines.find((l) => l.key === 'lfsFile')!;
    expect(lfsLine.value).toMatchObject({ path: 'data.parquet', algo: 'sha256', size: local.length });
    expect(repo.lfsPaths.has('data.parquet')).toBe(true);
    expect(repo.files.get('data.parquet')!.equals(local)).toBe(true);
    expect(repo.files.get('README.md')!.toString('utf8')).toContain('path: data.parquet');
  });

  it('refuses an existing repo with a 409 error, and adds a commit to it with update', async () => {
    hub.addRepo('alice/existing', { private: true });
    const refused = await publishExport(row(split), { repo: 'alice/existing' }, options()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PublishError);
    expect(refused).toMatchObject({ kind: 'repo_exists', hubStatus: 409 });
    expect((refused as Error).message).toMatch(/alice\/existing exists on the Hub already.*--update/);
    expect(hub.requests.map((r) => r.call)).toEqual(['create']);

    const result = await publishExport(row(split), { repo: 'alice/existing', update: true }, options());
    expect(result).toMatchObject({ created: false, private: null });
    const repo = hub.repos.get('alice/existing')!;
    expect(repo.private).toBe(true);
    expect(repo.commits).toHaveLength(1);
    expect(repo.files.has('train.jsonl')).toBe(true);
    expect(repo.files.has('.gitattributes')).toBe(true);
  });

  it('turns a refused token, a 403, a 5xx and an unreachable Hub into clear errors without the token', async () => {
    const wrong = 'hf_wrong_token_0123456789';
    const cases: [string, () => Promise<unknown>, Record<string, unknown>, RegExp][] = [
      [
        '401',
        () => publishExport(row(split), { repo: 'alice/a' }, options({ token: wrong })),
        { kind: 'refused', hubStatus: 401 },
        /refused the token \(HTTP 401\).*HF_TOKEN/,
      ],
      [
        '403',
        () => {
          hub.failNext('create', 403);
          return publishExport(row(split), { repo: 'alice/b' }, options({ token: wrong }));
        },
        { kind: 'refused', hubStatus: 403 },
        /may not write to alice\/b/,
      ],
    ];
    for (const [name, call, shape, message] of cases) {
      const error = await call().catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(PublishError);
      expect(error, name).toMatchObject(shape);
      expect((error as Error).message, name).toMatch(message);
      expect(JSON.stringify(error) + String((error as Error).stack), name).not.toContain(wrong);
    }

    hub.failNext('commit', 503);
    const failed = await publishExport(row(split), { repo: 'alice/d' }, options()).catch((e: unknown) => e);
    expect(failed).toMatchObject({ kind: 'hub_unavailable', hubStatus: 503 });
    expect((failed as Error).message).toMatch(/the Hub failed \(HTTP 503\)/);
    expect(hub.repos.get('alice/d')!.commits).toHaveLength(0);

    hub.failNext('preupload', 500);
    const preupload = await publishExport(row(split), { repo: 'alice/e' }, options()).catch((e: unknown) => e);
    expect(preupload).toMatchObject({ kind: 'hub_unavailable', hubStatus: 500 });

    const url = hub.url;
    await hub.stop();
    const down = await publishExport(row(split), { repo: 'alice/f' }, options({ hubUrl: url })).catch(
      (e: unknown) => e,
    );
    expect(down).toMatchObject({ kind: 'hub_unavailable' });
    expect((down as Error).message).toMatch(/could not be reached/);
    expect((down as Error).message).not.toContain(TOKEN);
  });

  it('refuses without a token (naming HF_TOKEN), with a token that is not one, and a bad repo name, before any call', async () => {
    const none = await publishExport(row(split), { repo: 'alice/x' }, options({ token: undefined })).catch(
      (e: unknown) => e,
    );
    expect(none).toMatchObject({ kind: 'no_token' });
    expect((none as Error).message).toMatch(/HF_TOKEN/);
    const bad = await publishExport(row(split), { repo: 'alice/x' }, options({ token: 'sk-not-a-hub-token' })).catch(
      (e: unknown) => e,
    );
    expect(bad).toMatchObject({ kind: 'bad_token' });
    expect((bad as Error).message).not.toContain('sk-not-a-hub-token');
    await expect(publishExport(row(split), { repo: 'no-slash' }, options())).rejects.toThrow(/namespace\/name/);
    expect(hub.requests).toHaveLength(0);
  });

  it('knows the Hub’s repository names', () => {
    for (const ok of ['alice/rust-qa', 'org-1/data.set_v2', 'a/b', 'Alice/X9'])
      expect(hubRepoProblem(ok), ok).toBeNull();
    for (const bad of [
      '',
      'alice',
      'a/b/c',
      '/b',
      'a/',
      'a/-b',
      'a/b-',
      'a/b--c',
      'a/b..c',
      'a/b.git',
      'a b/c',
      '../x',
      'a/' + 'x'.repeat(97),
      7,
      null,
    ]) {
      expect(hubRepoProblem(bad), String(bad)).not.toBeNull();
    }
  });
});
