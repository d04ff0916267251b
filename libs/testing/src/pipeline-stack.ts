import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '@datafactory/config';
import { createOrmConfig } from '@datafactory/persistence';
import { FakeOpenAiServer, type FakeOpenAiOptions } from './fake-openai/fake-openai-server.js';
import { FixtureSite, type FixtureHostName } from './fixture-site/fixture-site.js';
import { type Stack, type StackOptions, startStack } from './stack.js';

export interface PipelineStackOptions extends StackOptions {
  /** Fixture hosts to serve (default main and other). */
  hosts?: FixtureHostName[];
  /** The fake LLM's options (default: schema-valid sample answers, no latency). */
  llm?: FakeOpenAiOptions;
}

export interface PipelineStack {
  stack: Stack;
  site: FixtureSite;
  llm: FakeOpenAiServer;
  /** An ORM on the stack's database (opened on first use, closed by stop()). */
  orm(): Promise<MikroORM>;
  /**
   * Which worker (index in stack.workers) logged the start of queue job `id`
   * (e.g. `refine-<documentId>`); needs LOG_LEVEL=debug on the workers.
   */
  workerOf(queueJobId: string): number;
  stop(): Promise<void>;
}

/**
 * A stack that runs whole jobs: the fixture site and the fake OpenAI server,
 * then startStack() with both wired in (OPENAI_BASE_URL, the site's ports
 * trusted). For multi-worker tests: `startPipelineStack({ workers: 2,
 * database: 'postgres' })`; the workers log at debug level so that
 * workerOf() can say which worker ran an item.
 */
export async function startPipelineStack(options: PipelineStackOptions = {}): Promise<PipelineStack> {
  const { hosts = ['main', 'other'], llm: llmOptions, ...stackOptions } = options;
  const site = await FixtureSite.start({ hosts });
  const llm = new FakeOpenAiServer(llmOptions);
  await llm.start();
  let stack: Stack;
  try {
    stack = await startStack({
      ...stackOptions,
      env: {
        OPENAI_BASE_URL: llm.baseUrl,
        CRAWL_TRUSTED_HOSTS: site.hostPorts().join(','),
        LOG_LEVEL: 'debug',
        ...stackOptions.env,
      },
    });
  } catch (e) {
    await site.close();
    await llm.stop();
    throw e;
  }
  let orm: Promise<MikroORM> | undefined;
  return {
    stack,
    site,
    llm,
    orm: () => (orm ??= MikroORM.init(createOrmConfig(loadConfig({ ...stack.env, NODE_ENV: 'test' }).database))),
    workerOf(queueJobId: string): number {
      const line = new RegExp(`start \\w+ job ${queueJobId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
      return stack.workers.findIndex((w) => line.test(w.output()));
    },
    async stop() {
      if (orm) await (await orm).close(true);
      await stack.stop();
      await site.close();
      await llm.stop();
    },
  };
}
