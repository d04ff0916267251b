import { createHmac } from 'node:crypto';
import {
  QueueName,
  WEBHOOK_DELIVERY_HEADER,
  WEBHOOK_EVENT_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  type WebhookItem,
} from '@datafactory/contracts';
import { FailureCode, FetchError, HttpClient } from '@datafactory/crawler';
import { SettingsStore, type WebhookAttempt, WebhookDelivery } from '@datafactory/persistence';
import { UnrecoverableError } from 'bullmq';
import type { StageContext, StageHandler } from '../stage-handlers.js';
import type { StageDeps } from './stage-deps.js';

/** How long a receiver has to answer, and how much of its answer is read. */
const TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The signature header's value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. A receiver
 * recomputes it with its secret and refuses a timestamp older than a few minutes (replay).
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * POSTs one delivery. The target passes the crawler's address guard with the operator's settings
 * (CRAWL_ALLOW_PRIVATE_NETWORKS, CRAWL_TRUSTED_HOSTS): a refused address fails the delivery at once;
 * no answer or a non-2xx answer is retried with backoff (WEBHOOK_RETRY). Every attempt is kept.
 */
export class WebhookHandler implements StageHandler<WebhookItem> {
  readonly queue = QueueName.Webhook;
  private readonly http: HttpClient;
  private readonly settings: SettingsStore;

  constructor(private readonly deps: StageDeps) {
    this.http = new HttpClient({
      userAgent: 'DataFactory-Webhooks/1.0',
      connectTimeoutMs: TIMEOUT_MS,
      readTimeoutMs: TIMEOUT_MS,
      allowPrivateNetworks: deps.config.crawl.allowPrivateNetworks,
      trustedHosts: deps.config.crawl.trustedHosts,
    });
    this.settings = new SettingsStore({ dataDir: deps.config.dataDir });
  }

  async handle({ deliveryId }: WebhookItem, ctx: StageContext): Promise<void> {
    const em = this.deps.em.fork();
    const delivery = await em.findOne(WebhookDelivery, { id: deliveryId }, { populate: ['webhook'] });
    if (!delivery || delivery.state !== 'pending') return;
    const hook = delivery.webhook;
    let attempt: WebhookAttempt;
    try {
      const secret = await this.settings.unsealSecret(hook.secretSealed);
      const timestamp = Math.floor(Date.now() / 1000);
      const res = await this.http.request({
        url: hook.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: '*/*',
          [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(secret, timestamp, delivery.payload),
          [WEBHOOK_EVENT_HEADER]: delivery.event,
          [WEBHOOK_DELIVERY_HEADER]: delivery.id,
        },
        body: delivery.payload,
        maxBytes: MAX_RESPONSE_BYTES,
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(TIMEOUT_MS)]),
      });
      attempt = {
        at: new Date().toISOString(),
        status: res.status,
        error: res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`,
      };
    } catch (e) {
      const blocked = e instanceof FetchError && e.code === FailureCode.BlockedAddress;
      attempt = { at: new Date().toISOString(), status: null, error: (e as Error).message };
      await this.record(delivery, attempt, blocked ? 'failed' : 'pending');
      // A refused address stays refused: no retry.
      if (blocked) throw new UnrecoverableError(attempt.error!);
      throw new Error(`webhook ${hook.url}: ${attempt.error}`, { cause: e });
    }
    if (attempt.error) {
      await this.record(delivery, attempt, 'pending');
      throw new Error(`webhook ${hook.url}: ${attempt.error}`);
    }
    await this.record(delivery, attempt, 'delivered');
  }

  /** Retries used up (or refused): the delivery is `failed` with the last attempt's reason. */
  async fail({ deliveryId }: WebhookItem, error: Error): Promise<void> {
    await this.deps.em
      .fork()
      .nativeUpdate(WebhookDelivery, { id: deliveryId, state: 'pending' }, { state: 'failed', error: error.message });
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private async record(delivery: WebhookDelivery, attempt: WebhookAttempt, state: string): Promise<void> {
    const em = this.deps.em.fork();
    const row = await em.findOneOrFail(WebhookDelivery, { id: delivery.id });
    row.attempts = [...row.attempts, attempt];
    row.state = state;
    row.error = attempt.error;
    if (state === 'delivered') row.deliveredAt = new Date();
    await em.flush();
  }
}
