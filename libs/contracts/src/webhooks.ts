/** The events a project's webhooks can subscribe to. */
export const WEBHOOK_EVENTS = ['job.completed', 'job.failed', 'export.created'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook's secret>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'X-DataFactory-Signature';
export const WEBHOOK_EVENT_HEADER = 'X-DataFactory-Event';
export const WEBHOOK_DELIVERY_HEADER = 'X-DataFactory-Delivery';

/** A delivery's state: `pending` until a 2xx answer (`delivered`) or its last attempt (`failed`). */
export const WEBHOOK_DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/** The JSON body POSTed to a webhook. */
export interface WebhookPayload {
  id: string;
  event: WebhookEvent;
  createdAt: string;
  projectId: string;
  data: Record<string, unknown>;
}
