/**
 * Integration: the worker runtime against the machine's real Redis (own key
 * prefix). A stage job that is in flight when the worker is asked to stop
 * finishes before the worker closes; jobs not yet started stay queued. The refine
 * queue, whose concurrency is WORKER_CONCURRENCY (crawl and generate run at least
 * 16 items per worker, stage.processors.ts).
 */
import { getQueueToken } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, loadConfig } from '@datafactory/config';
import { QueueName } from '@datafactory/contracts';
import { QueuesModule } from '@datafactory/pipeline';
import { RefineProcessor, STAGE_HANDLERS, type StageHandler, WorkerRuntimeModule } from '@datafactory/pipeline/worker';
import { deleteRedisKeys, uniqueRedisPrefix } from '@datafactory/testing';
import type { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe('worker shutdown', () => {
  const prefix = uniqueRedisPrefix();
  afterAll(() => deleteRedisKeys(REDIS_URL, prefix));

  it('lets the in-flight job finish and leaves the rest queued', async () => {
    let started!: () => void;
    const jobStarted = new Promise<void>((r) => (started = r));
    let release!: () => void;
    const mayFinish = new Promise<void>((r) => (release = r));
    const handled: string[] = [];
    const handler: StageHandler = {
      queue: QueueName.Refine,
      async handle(data) {
        const n = (data as { n: number }).n;
        handled.push(String(n));
        started();
        await mayFinish;
        return { ok: n };
      },
      async fail() {},
    };

    @Global()
    @Module({ providers: [{ provide: STAGE_HANDLERS, useValue: [handler] }], exports: [STAGE_HANDLERS] })
    class TestHandlers {}

    const config = loadConfig({ REDIS_URL, REDIS_PREFIX: prefix, WORKER_CONCURRENCY: '1', LOG_LEVEL: 'silent' });
    const app = await NestFactory.createApplicationContext(
      {
        module: class WorkerUnderTest {},
        imports: [ConfigModule.forRoot(config), TestHandlers, QueuesModule, WorkerRuntimeModule],
      },
      { logger: false },
    );
    const queue = app.get<Queue>(getQueueToken(QueueName.Refine));
    const first = await queue.add('page', { n: 1 });
    const second = await queue.add('page', { n: 2 });

    await jobStarted;
    // Let the job finish only once the worker has begun closing.
    app.get(RefineProcessor).worker.once('closing', () => release());
    await app.close();

    // A separate connection reads the outcome after the worker has gone.
    const { Queue: BullQueue } = await import('bullmq');
    const reader = new BullQueue(QueueName.Refine, { connection: { host: '127.0.0.1', port: 6379 }, prefix });
    try {
      expect(await (await reader.getJob(first.id!))!.getState()).toBe('completed');
      expect((await reader.getJob(first.id!))!.returnvalue).toEqual({ ok: 1 });
      expect(await (await reader.getJob(second.id!))!.getState()).toBe('waiting');
      expect(handled).toEqual(['1']);
    } finally {
      await reader.close();
    }
  });
});
