import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadOrCreateKeyFile, parseKey, type SealedSecret, seal, unseal } from './settings-crypto.js';

/** `openai`: the LLM key; `huggingface`: the write token for publishing exports to the Hub. */
export const API_KEY_PROVIDERS = ['openai', 'huggingface'] as const;
export type ApiKeyProvider = (typeof API_KEY_PROVIDERS)[number];

export interface StoredApiKey {
  sealed: SealedSecret;
  last4: string;
  updatedAt: string;
}

/** The JSON file's content; API keys only ever appear sealed. */
export interface StoredSettings {
  version: 1;
  apiKeys: Partial<Record<ApiKeyProvider, StoredApiKey>>;
  defaultJobConfig: Record<string, unknown>;
  updatedAt: string | null;
}

export interface SettingsStoreOptions {
  /** Where settings.json (and, without `secretKey`, settings.key) live. */
  dataDir: string;
  /** 32 bytes as 64 hex characters or base64; when absent, a key file under dataDir is used (created 0600). */
  secretKey?: string;
}

export const SETTINGS_FILE = 'settings.json';
export const SETTINGS_KEY_FILE = 'settings.key';

const empty = (): StoredSettings => ({ version: 1, apiKeys: {}, defaultJobConfig: {}, updatedAt: null });

/**
 * Settings in DATA_DIR/settings.json rather than a table: they are one small
 * document, and a file needs no migration. Writes go to a temporary file that
 * is renamed over the old one, so a crash never leaves half a file.
 */
export class SettingsStore {
  private key?: Promise<Buffer>;
  readonly file: string;
  /** The file's text as last read, with what identified that version of it (inode, size, mtime). */
  private cached?: { version: string; text: string };

  constructor(private readonly options: SettingsStoreOptions) {
    this.file = path.join(options.dataDir, SETTINGS_FILE);
  }

  /**
   * The settings as the file holds them now. The file is read again only when it changed (another inode, size
   * or mtime: writes rename a new file over it): the LLM key is asked for on every call, and reading the file
   * each time was a third of a millisecond a call. Parsed anew each time, so callers may change what they get.
   */
  async read(): Promise<StoredSettings> {
    const stat = statSync(this.file, { throwIfNoEntry: false, bigint: true });
    if (!stat) return empty();
    const version = `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
    let text: string;
    if (this.cached?.version === version) text = this.cached.text;
    else {
      try {
        text = await readFile(this.file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty();
        throw error;
      }
      this.cached = { version, text };
    }
    const parsed = JSON.parse(text) as Partial<StoredSettings>;
    return { ...empty(), ...parsed, version: 1 };
  }

  async write(settings: StoredSettings): Promise<void> {
    await mkdir(this.options.dataDir, { recursive: true });
    const temp = `${this.file}.${randomUUID()}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, this.file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async sealSecret(plaintext: string): Promise<SealedSecret> {
    return seal(await this.secretKey(), plaintext);
  }

  async unsealSecret(sealed: SealedSecret): Promise<string> {
    return unseal(await this.secretKey(), sealed);
  }

  private secretKey(): Promise<Buffer> {
    this.key ??= this.options.secretKey
      ? Promise.resolve(parseKey(this.options.secretKey))
      : mkdir(this.options.dataDir, { recursive: true }).then(() =>
          loadOrCreateKeyFile(path.join(this.options.dataDir, SETTINGS_KEY_FILE)),
        );
    return this.key;
  }
}

/**
 * The OpenAI key saved in Settings, for the code that calls the LLM (worker,
 * CLI, API estimate): read from the file for every call, so a key saved or
 * removed in the dashboard takes effect without a restart. It is never
 * written into a job's config, a log line or an export.
 */
export class StoredLlmKey {
  constructor(private readonly store: SettingsStore) {}

  static inDataDir(dataDir: string): StoredLlmKey {
    return new StoredLlmKey(new SettingsStore({ dataDir }));
  }

  /** Whether a key is saved now. */
  async present(): Promise<boolean> {
    return (await this.store.read()).apiKeys.openai !== undefined;
  }

  /** The saved key, decrypted; undefined when none is saved (or the settings file cannot be read). */
  read = async (): Promise<string | undefined> => {
    const stored = (await this.store.read().catch(() => undefined))?.apiKeys.openai;
    return stored ? this.store.unsealSecret(stored.sealed) : undefined;
  };
}

/**
 * The Hugging Face token saved in Settings (sealed like the OpenAI key), for
 * publishing an export to the Hub; read for every publish, so a token saved
 * in the dashboard takes effect at once. It overrides HF_TOKEN.
 */
export class StoredHubToken {
  constructor(private readonly store: SettingsStore) {}

  static inDataDir(dataDir: string): StoredHubToken {
    return new StoredHubToken(new SettingsStore({ dataDir }));
  }

  /** The saved token, decrypted; undefined when none is saved (or the settings file cannot be read). */
  read = async (): Promise<string | undefined> => {
    const stored = (await this.store.read().catch(() => undefined))?.apiKeys.huggingface;
    return stored ? this.store.unsealSecret(stored.sealed) : undefined;
  };
}
