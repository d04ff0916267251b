import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, loggerParams, type AppConfig } from '@datafactory/config';
import { PersistenceModule } from '@datafactory/persistence';
import { JobsModule, QueuesModule } from '@datafactory/pipeline';
import { StageHandlersModule, WorkerRuntimeModule } from '@datafactory/pipeline/worker';
import { LoggerModule } from 'nestjs-pino';

/** The worker process: the stage queues' processors over the shared libs, no HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config, 'worker')),
        PersistenceModule.forRoot(),
        QueuesModule,
        JobsModule,
        StageHandlersModule,
        WorkerRuntimeModule,
      ],
    };
  }
}
