import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, redactUrl } from '@datafactory/config';
import { OPENAI_API_BASE_URL } from '@datafactory/generator';
import { JobInputError, resolveJobConfig } from '@datafactory/pipeline';
import type {
  ApiKeyStatusDto,
  OperatorSettingsDto,
  SettingsResponseDto,
  UpdateSettingsRequestDto,
} from './settings.dto.js';
import { API_KEY_PROVIDERS, type ApiKeyProvider, SettingsStore, type StoredSettings } from '@datafactory/persistence';

export const SETTINGS_STORE = Symbol('SETTINGS_STORE');

/**
 * Reads and changes the settings. API keys are write-only: answers carry only
 * whether a key is set and its last 4 characters. The workers (and the CLI)
 * read the saved key for each LLM call through StoredLlmKey (libs/persistence);
 * it is never written into a job's config.
 */
@Injectable()
export class SettingsService {
  /** Changes run one after another, so two PUTs never lose each other's fields. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(SETTINGS_STORE) private readonly store: SettingsStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async get(): Promise<SettingsResponseDto> {
    return this.toResponse(await this.store.read());
  }

  update(body: UpdateSettingsRequestDto): Promise<SettingsResponseDto> {
    const run = this.queue.then(() => this.apply(body));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The stored key of a provider, decrypted; undefined when none is stored. */
  async apiKey(provider: ApiKeyProvider): Promise<string | undefined> {
    const stored = (await this.store.read()).apiKeys[provider];
    return stored ? this.store.unsealSecret(stored.sealed) : undefined;
  }

  private async apply(body: UpdateSettingsRequestDto): Promise<SettingsResponseDto> {
    if (body.defaultJobConfig !== undefined) this.checkJobConfig(body.defaultJobConfig);
    const current = await this.store.read();
    const now = new Date().toISOString();
    const next: StoredSettings = { ...current, apiKeys: { ...current.apiKeys }, updatedAt: now };
    for (const provider of API_KEY_PROVIDERS) {
      const given = body.apiKeys?.[provider];
      if (given === undefined) continue;
      if (given === null) {
        delete next.apiKeys[provider];
      } else {
        const key = given.trim();
        next.apiKeys[provider] = { sealed: await this.store.sealSecret(key), last4: key.slice(-4), updatedAt: now };
      }
    }
    if (body.defaultJobConfig !== undefined) next.defaultJobConfig = body.defaultJobConfig;
    await this.store.write(next);
    return this.toResponse(next);
  }

  /**
   * The same field checks a job's config gets. Whether an LLM endpoint is
   * configured is left to the start of a job: the key may be saved later.
   */
  private checkJobConfig(config: Record<string, unknown>): void {
    try {
      resolveJobConfig(config, { llm: this.config.llm, crawl: this.config.crawl, storedKey: { present: true } });
    } catch (error) {
      if (error instanceof JobInputError) {
        throw new JobInputError(
          error.problems.map((problem) => `defaultJobConfig.${problem.replace(/^config\./, '')}`),
        );
      }
      throw error;
    }
  }

  private toResponse(settings: StoredSettings): SettingsResponseDto {
    const { llm, crawl } = this.config;
    const operator: OperatorSettingsDto = {
      allowPrivateNetworks: crawl.allowPrivateNetworks,
      trustedHosts: [...crawl.trustedHosts],
      llmBaseUrls: [(llm.baseUrl ?? OPENAI_API_BASE_URL).replace(/\/+$/, ''), ...llm.allowedBaseUrls].map(redactUrl),
      llmKeySource: settings.apiKeys.openai ? 'settings' : llm.apiKey ? 'environment' : 'none',
      hubTokenSource: settings.apiKeys.huggingface ? 'settings' : this.config.hub.token ? 'environment' : 'none',
    };
    return { ...toResponse(settings), operator };
  }
}

function toResponse(settings: StoredSettings): Omit<SettingsResponseDto, 'operator'> {
  const status = (provider: ApiKeyProvider): ApiKeyStatusDto => {
    const stored = settings.apiKeys[provider];
    return stored
      ? { set: true, last4: stored.last4, updatedAt: stored.updatedAt }
      : { set: false, last4: null, updatedAt: null };
  };
  const apiKeys: SettingsResponseDto['apiKeys'] = { openai: status('openai'), huggingface: status('huggingface') };
  return { apiKeys, defaultJobConfig: settings.defaultJobConfig, updatedAt: settings.updatedAt };
}
