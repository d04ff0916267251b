import { QueueName } from '@datafactory/contracts';
import { describe, expect, it } from 'vitest';
import { queueConcurrency, WAITING_QUEUE_MIN_CONCURRENCY } from './stage.processors.js';

describe('queueConcurrency', () => {
  it('gives the waiting queues (crawl, generate) at least the minimum, so one worker can reach a job’s LLM limit', () => {
    expect(queueConcurrency(QueueName.Generate, 4)).toBe(WAITING_QUEUE_MIN_CONCURRENCY);
    expect(queueConcurrency(QueueName.Crawl, 4)).toBe(WAITING_QUEUE_MIN_CONCURRENCY);
    expect(WAITING_QUEUE_MIN_CONCURRENCY).toBeGreaterThan(5); // the default max_concurrent_llm
  });

  it('keeps WORKER_CONCURRENCY for the CPU stages, and for every queue when it is higher', () => {
    for (const queue of [QueueName.Refine, QueueName.Inspect, QueueName.Export]) {
      expect(queueConcurrency(queue, 4)).toBe(4);
      expect(queueConcurrency(queue, 1)).toBe(1);
    }
    expect(queueConcurrency(QueueName.Generate, 64)).toBe(64);
    expect(queueConcurrency(QueueName.Crawl, 32)).toBe(32);
  });
});
