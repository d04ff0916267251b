import { loadConfig } from '@datafactory/config';
import { JobInputError } from '@datafactory/pipeline';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettingsService } from './settings.service.js';
import {
  parseKey,
  seal,
  SETTINGS_FILE,
  SETTINGS_KEY_FILE,
  SettingsStore,
  StoredHubToken,
  unseal,
} from '@datafactory/persistence';

const SECRET = 'sk-test-0123456789abcdefWXYZ';

describe('settings', () => {
  let dir: string;
  let service: SettingsService;
  const config = loadConfig({ LOG_LEVEL: 'silent' });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'df-settings-'));
    service = new SettingsService(new SettingsStore({ dataDir: dir }), config);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('answers defaults before anything is saved, and creates no file for a read', async () => {
    expect(await service.get()).toEqual({
      apiKeys: {
        openai: { set: false, last4: null, updatedAt: null },
        huggingface: { set: false, last4: null, updatedAt: null },
      },
      defaultJobConfig: {},
      updatedAt: null,
      // What the operator's environment allows, read-only: nothing private, OpenAI, no key anywhere.
      operator: {
        allowPrivateNetworks: false,
        trustedHosts: [],
        llmBaseUrls: ['https://api.openai.com/v1'],
        llmKeySource: 'none',
        hubTokenSource: 'none',
      },
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('stores a Hugging Face token sealed, next to the OpenAI key, for the publish code to read', async () => {
    const token = 'hf_SECRETSECRETSECRET_abcd';
    const answer = await service.update({ apiKeys: { huggingface: token } });
    expect(answer.apiKeys.huggingface).toMatchObject({ set: true, last4: 'abcd' });
    expect(answer.apiKeys.openai.set).toBe(false);
    expect(answer.operator.hubTokenSource).toBe('settings');
    expect(JSON.stringify(answer)).not.toContain(token);
    expect(await readFile(path.join(dir, SETTINGS_FILE), 'utf8')).not.toContain('SECRETSECRET');
    expect(await StoredHubToken.inDataDir(dir).read()).toBe(token);
    await service.update({ apiKeys: { huggingface: null } });
    expect(await StoredHubToken.inDataDir(dir).read()).toBeUndefined();
    const fromEnv = new SettingsService(
      new SettingsStore({ dataDir: dir }),
      loadConfig({ LOG_LEVEL: 'silent', HF_TOKEN: 'hf_from_the_environment' }),
    );
    expect((await fromEnv.get()).operator.hubTokenSource).toBe('environment');
  });

  it('stores an API key sealed, answers only its last 4 characters, and gives it back decrypted to the code', async () => {
    const answer = await service.update({ apiKeys: { openai: `  ${SECRET} ` } });
    expect(answer.apiKeys.openai).toMatchObject({ set: true, last4: 'WXYZ' });
    expect(JSON.stringify(answer)).not.toContain(SECRET);

    const file = await readFile(path.join(dir, SETTINGS_FILE), 'utf8');
    expect(file).not.toContain(SECRET);
    expect(file).not.toContain('0123456789');
    expect(await service.apiKey('openai')).toBe(SECRET);
    expect(JSON.stringify(await service.get())).not.toContain(SECRET);
  });

  it('creates the key file and the settings file readable by the owner only', async () => {
    await service.update({ apiKeys: { openai: SECRET } });
    expect((await stat(path.join(dir, SETTINGS_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, SETTINGS_FILE))).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual([SETTINGS_FILE, SETTINGS_KEY_FILE].sort());
  });

  it('keeps a key when the field is absent and removes it on null', async () => {
    await service.update({ apiKeys: { openai: SECRET } });
    await service.update({ defaultJobConfig: { generation: { examples_per_chunk: 2 } } });
    expect((await service.get()).apiKeys.openai.set).toBe(true);
    await service.update({ apiKeys: { openai: null } });
    expect((await service.get()).apiKeys.openai).toEqual({ set: false, last4: null, updatedAt: null });
    expect(await service.apiKey('openai')).toBeUndefined();
  });

  it('uses the given secret key instead of a key file', async () => {
    const key = 'ab'.repeat(32);
    const store = new SettingsStore({ dataDir: dir, secretKey: key });
    const withKey = new SettingsService(store, config);
    await withKey.update({ apiKeys: { openai: SECRET } });
    expect(await readdir(dir)).toEqual([SETTINGS_FILE]);
    const stored = JSON.parse(await readFile(path.join(dir, SETTINGS_FILE), 'utf8'));
    expect(unseal(parseKey(key), stored.apiKeys.openai.sealed)).toBe(SECRET);
    // Another key cannot open it: GCM's tag check fails rather than giving garbage.
    expect(() => unseal(parseKey('cd'.repeat(32)), stored.apiKeys.openai.sealed)).toThrow();
  });

  it('tightens a key file that others could read', async () => {
    const keyFile = path.join(dir, SETTINGS_KEY_FILE);
    await writeFile(keyFile, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o644 });
    await service.update({ apiKeys: { openai: SECRET } });
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await service.apiKey('openai')).toBe(SECRET);
  });

  it('stores the default job config as given and rejects bad fields by name', async () => {
    const saved = await service.update({ defaultJobConfig: { generation: { template: 'qa', examples_per_chunk: 2 } } });
    expect(saved.defaultJobConfig).toEqual({ generation: { template: 'qa', examples_per_chunk: 2 } });
    const bad = service.update({ defaultJobConfig: { quality: { min_score: 'high' }, colour: {} } });
    await expect(bad).rejects.toBeInstanceOf(JobInputError);
    const problems = ((await bad.catch((e: unknown) => e)) as JobInputError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^defaultJobConfig\.colour/), expect.stringMatching(/min_score/)]),
    );
    expect((await service.get()).defaultJobConfig).toEqual({ generation: { template: 'qa', examples_per_chunk: 2 } });
  });

  it('does not lose either of two concurrent changes', async () => {
    await Promise.all([
      service.update({ apiKeys: { openai: SECRET } }),
      service.update({ defaultJobConfig: { export: { format: 'csv' } } }),
    ]);
    const now = await service.get();
    expect(now.apiKeys.openai.set).toBe(true);
    expect(now.defaultJobConfig).toEqual({ export: { format: 'csv' } });
  });

  it('seals the same text differently each time', () => {
    const key = parseKey('ef'.repeat(32));
    expect(seal(key, 'abc')).not.toBe(seal(key, 'abc'));
    expect(() => parseKey('short')).toThrow(/32 bytes/);
  });
});
