import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { ServeStaticModule } from '@nestjs/serve-static';
import { ConfigModule, loggerParams, type AppConfig } from '@datafactory/config';
import { PersistenceModule } from '@datafactory/persistence';
import { JobsModule, QueuesModule } from '@datafactory/pipeline';
import { LoggerModule } from 'nestjs-pino';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApiTokenGuard } from './common/auth.guard.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { EventsModule } from './events/events.module.js';
import { ExportsModule } from './exports/exports.module.js';
import { HealthModule } from './health/health.module.js';
import { JobsApiModule } from './jobs/jobs-api.module.js';
import { ProjectsModule } from './projects/projects.module.js';
import { QualityModule } from './quality/quality.module.js';
import { WebhooksModule } from './webhooks/webhooks.controller.js';
import { PagesModule } from './pages/pages.controller.js';
import { SettingsModule } from './settings/settings.module.js';
import { StatsModule } from './stats/stats.module.js';
import { TemplatesModule } from './templates/templates.module.js';

/**
 * The API process: HTTP controllers over the shared libs. `pipeline` is how jobs run: by default the
 * enqueue side (BullMQ queues in Redis, worker processes do the work); the embedded app passes the
 * in-process runtime instead.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, pipeline: (Type | DynamicModule)[] = [QueuesModule, JobsModule]): DynamicModule {
    const dashboard = existsSync(path.join(config.dashboardDir, 'index.html'))
      ? [
          // Single-host mode: the built dashboard at /, with the SPA fallback outside the API's own routes.
          ServeStaticModule.forRoot({
            rootPath: config.dashboardDir,
            exclude: ['/api/{*path}', '/health{/*path}', '/docs', '/docs/{*path}', '/docs-json'],
          }),
        ]
      : [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config, 'api')),
        // Requests per client IP per minute; /health and the job streams are exempt (@SkipThrottle).
        ThrottlerModule.forRoot([{ ttl: 60_000, limit: config.api.rateLimitPerMinute }]),
        PersistenceModule.forRoot(),
        ...pipeline,
        EventsModule,
        HealthModule,
        ProjectsModule,
        QualityModule,
        PagesModule,
        WebhooksModule,
        JobsApiModule,
        StatsModule,
        TemplatesModule,
        ExportsModule,
        SettingsModule,
        ...dashboard,
      ],
      providers: [
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        { provide: APP_GUARD, useClass: ApiTokenGuard },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
      ],
    };
  }
}
