import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ensureDataDirOrExit, loadConfigOrExit } from '@datafactory/config';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit('worker');
  ensureDataDirOrExit('worker', config);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const logger = new NestLogger('Worker');

  // On SIGTERM/SIGINT: stop taking work and let in-flight jobs finish (BullMQ's
  // worker.close() waits for them). Past SHUTDOWN_TIMEOUT_MS we exit anyway; the
  // unfinished jobs' locks lapse and BullMQ hands them to another worker.
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: finishing in-flight work, taking no new jobs`);
    const deadline = setTimeout(() => {
      logger.warn(
        `in-flight work did not finish within ${config.worker.shutdownTimeoutMs} ms; exiting, it returns to the queue`,
      );
      process.exit(1);
    }, config.worker.shutdownTimeoutMs);
    deadline.unref();
    app
      .close()
      .then(() => {
        logger.log('stopped');
        process.exit(0);
      })
      .catch((e: unknown) => {
        logger.error(`shutdown failed: ${(e as Error).message}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error(`worker: failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
