/**
 * End-to-end: the built API and CLI publish an export to FakeHubServer (a
 * local server speaking the Hugging Face Hub's HTTP API) through the real
 * @huggingface/hub client. The Hub is the operator's (HF_ENDPOINT); the token
 * comes from Settings (sealed) or HF_TOKEN and never shows in an answer, an
 * error or a log line.
 */
import { FakeHubServer, type Stack, startStack } from '@datafactory/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedJob, type SeededJob, type TestDatabase } from '../integration/exporter-helpers.js';

const TOKEN = FakeHubServer.TOKEN;
const WRONG = 'hf_wrong_token_do_not_leak_0123';

describe('publishing to the Hugging Face Hub over HTTP and from the CLI', () => {
  let t: TestDatabase;
  let stack: Stack;
  let hub: FakeHubServer;
  let seeded: SeededJob;
  let exportId: string;
  let exportVersion: string;

  beforeAll(async () => {
    t = await openTestDatabase('sqlite');
    seeded = await seedJob(t.orm.em);
    hub = await new FakeHubServer().start();
    stack = await startStack({ env: { DATABASE_URL: t.url, HF_ENDPOINT: hub.url } });
    const created = await stack.json('POST', `/api/jobs/${seeded.jobId}/exports`, {
      format: 'jsonl',
      split: { train: 0.5, test: 0.5 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    exportId = created.body.id;
    exportVersion = created.body.version;
  });

  afterAll(async () => {
    await stack?.stop();
    await hub?.stop();
    await t?.close();
  });

  const publish = (body: unknown, id = exportId) => stack.json('POST', `/api/exports/${id}/publish`, body);
  const saveToken = (token: string | null) => stack.json('PUT', '/api/settings', { apiKeys: { huggingface: token } });

  it('refuses without a token (400 naming HF_TOKEN) and bad fields (400 naming the field), before calling the Hub', async () => {
    const none = await publish({ repo: 'alice/ds' });
    expect(none.status).toBe(400);
    expect(JSON.stringify(none.body)).toMatch(/HF_TOKEN/);

    for (const [body, field] of [
      [{ repo: 'no-slash' }, 'repo'],
      [{ repo: 'a/b/c' }, 'repo'],
      [{ repo: 'alice/x.git' }, 'repo'],
      [{ repo: 'alice/ds', private: 'yes' }, 'private'],
      [{ repo: 'alice/ds', update: 1 }, 'update'],
      [{ repo: 'alice/ds', endpoint: 'http://evil.example' }, 'endpoint'],
      [{}, 'repo'],
    ] as const) {
      const r = await publish(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(r.body.message), JSON.stringify(body)).toContain(field);
    }
    expect((await publish({ repo: 'alice/ds' }, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(hub.requests).toHaveLength(0);
  });

  it('publishes with the token saved in Settings; a second publish is a 409, with update a new commit', async () => {
    const notHub = await saveToken('sk-not-a-hub-token-0123');
    expect(notHub.status).toBe(400);
    expect(JSON.stringify(notHub.body.message)).toContain('apiKeys.huggingface must be a Hugging Face access token');
    expect(JSON.stringify(notHub.body)).not.toContain('sk-not-a-hub-token-0123');
    expect((await saveToken(TOKEN)).status).toBe(200);
    const r = await publish({ repo: 'alice/rust-qa', private: true });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      repo: 'alice/rust-qa',
      url: `${hub.url}/datasets/alice/rust-qa`,
      created: true,
      private: true,
    });
    const repo = hub.repos.get('alice/rust-qa')!;
    expect(repo.private).toBe(true);
    expect(r.body.commit.oid).toBe(repo.commits[0]!.oid);
    expect([...repo.files.keys()].sort()).toEqual(
      ['.gitattributes', 'README.md', 'sources.txt', 'test.jsonl', 'train.jsonl'].sort(),
    );
    // The card the Hub got is the export's card.
    const card = await stack.fetch(`/api/exports/${exportId}/card`).then((res) => res.text());
    expect(repo.files.get('README.md')!.toString('utf8')).toBe(card);
    expect(repo.commits[0]!.summary).toBe(`Dataset version ${exportVersion}`);
    expect(hub.requests.filter((q) => q.call !== 'lfs_upload').every((q) => q.token === TOKEN)).toBe(true);

    const again = await publish({ repo: 'alice/rust-qa' });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/exists on the Hub already/);
    const update = await publish({ repo: 'alice/rust-qa', update: true });
    expect(update.status, JSON.stringify(update.body)).toBe(200);
    expect(update.body).toMatchObject({ created: false, private: null });
    expect(repo.commits).toHaveLength(2);
  });

  it('answers 403 when the Hub refuses the token and 502 when the Hub fails, never showing the token', async () => {
    expect((await saveToken(WRONG)).status).toBe(200);
    const refused = await publish({ repo: 'alice/other' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/refused the token \(HTTP 401\)/);

    expect((await saveToken(TOKEN)).status).toBe(200);
    hub.failNext('commit', 503);
    const failed = await publish({ repo: 'alice/flaky' });
    expect(failed.status).toBe(502);
    expect(failed.body.message).toMatch(/the Hub failed \(HTTP 503\)/);

    const settings = await stack.json('GET', '/api/settings');
    expect(settings.body.apiKeys.huggingface).toMatchObject({ set: true, last4: TOKEN.slice(-4) });
    expect(settings.body.operator.hubTokenSource).toBe('settings');
    for (const text of [JSON.stringify([refused.body, failed.body, settings.body]), stack.api.output()]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(WRONG);
    }
    expect((await saveToken(null)).status).toBe(200);
  });

  it('publishes from the CLI by export id or folder with HF_TOKEN, and names HF_TOKEN without one', async () => {
    const without = await stack.cli(['publish', exportId, '--repo', 'bob/cli-ds']);
    expect(without.code).toBe(1);
    expect(without.output).toMatch(/no Hugging Face token: set HF_TOKEN/);

    const badRepo = await stack.cli(['publish', exportId, '--repo', 'bob'], { HF_TOKEN: TOKEN });
    expect(badRepo.code).toBe(1);
    expect(badRepo.output).toMatch(/--repo must be "namespace\/name"/);

    const byId = await stack.cli(['publish', exportId, '--repo', 'bob/cli-ds', '--private'], { HF_TOKEN: TOKEN });
    expect(byId.code, byId.output).toBe(0);
    expect(byId.output).toContain(`to ${hub.url}/datasets/bob/cli-ds (new private repository)`);
    expect(byId.output).toContain('load_dataset("bob/cli-ds")');
    expect(hub.repos.get('bob/cli-ds')!.private).toBe(true);
    expect(hub.repos.get('bob/cli-ds')!.files.has('train.jsonl')).toBe(true);

    const exists = await stack.cli(['publish', exportId, '--repo', 'bob/cli-ds'], { HF_TOKEN: TOKEN });
    expect(exists.code).toBe(1);
    expect(exists.output).toMatch(/exists on the Hub already.*--update/);

    const { body: listed } = await stack.json('GET', `/api/jobs/${seeded.jobId}/exports`);
    const folder = `${stack.dataDir}/exports/${seeded.projectId}/${seeded.jobId}/${exportVersion}`;
    expect(listed.items.map((e: { id: string }) => e.id)).toContain(exportId);
    const byFolder = await stack.cli(['publish', folder, '--repo', 'bob/cli-ds', '--update', '--json'], {
      HF_TOKEN: TOKEN,
    });
    expect(byFolder.code, byFolder.output).toBe(0);
    expect(JSON.parse(byFolder.output.slice(byFolder.output.indexOf('{')))).toMatchObject({
      repo: 'bob/cli-ds',
      created: false,
    });
    expect(hub.repos.get('bob/cli-ds')!.commits).toHaveLength(2);

    const refused = await stack.cli(['publish', exportId, '--repo', 'bob/other'], { HF_TOKEN: WRONG });
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/refused the token/);
    for (const r of [without, badRepo, byId, exists, byFolder, refused]) {
      expect(r.output).not.toContain(TOKEN);
      expect(r.output).not.toContain(WRONG);
    }
  });
});
