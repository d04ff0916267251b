import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { QueueName, type WebhookEvent, type WebhookItem, type WebhookPayload } from '@datafactory/contracts';
import { Webhook, WebhookDelivery } from '@datafactory/persistence';
import type { Dispatcher, RetryPolicy } from './dispatcher.js';

/**
 * Attempts of one delivery and the first retry's delay (then 2×, 4×...): a receiver that is down gets
 * the event again after 2, 4, 8 and 16 s, then the delivery is `failed`.
 */
export const WEBHOOK_RETRY: RetryPolicy = { attempts: 5, backoffMs: 2_000 };

/**
 * Records one delivery row per webhook of the project that subscribes to the event, then enqueues it
 * (queue `webhook`, id `webhook-<delivery>`), so any worker POSTs it and a retry finds the row.
 * Never throws: a webhook that cannot be queued must not change how the job ends (it is logged).
 */
export async function emitWebhookEvent(
  em: EntityManager,
  dispatcher: Dispatcher,
  projectId: string,
  event: WebhookEvent,
  data: Record<string, unknown>,
): Promise<number> {
  try {
    const fork = em.fork();
    const hooks = (await fork.find(Webhook, { project: projectId }, { fields: ['id', 'events'] })).filter((h) =>
      h.events.includes(event),
    );
    if (hooks.length === 0) return 0;
    const createdAt = new Date();
    const deliveries = hooks.map((hook) => {
      const id = randomUUID();
      const payload: WebhookPayload = { id, event, createdAt: createdAt.toISOString(), projectId, data };
      return fork.create(WebhookDelivery, {
        id,
        webhook: fork.getReference(Webhook, hook.id),
        event,
        payload: JSON.stringify(payload),
        createdAt,
      });
    });
    await fork.flush();
    for (const d of deliveries) {
      await dispatcher.enqueue(
        QueueName.Webhook,
        { deliveryId: d.id } satisfies WebhookItem,
        `webhook-${d.id}`,
        WEBHOOK_RETRY,
      );
    }
    return deliveries.length;
  } catch (error) {
    console.error(
      `datafactory: webhook event ${event} of project ${projectId} not queued: ${(error as Error).message}`,
    );
    return 0;
  }
}
