import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { type AppConfig, VERSION } from '@datafactory/config';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { BODY_LIMIT } from './common/limits.js';
import { createValidationPipe } from './common/validation.js';
import { connectJobEvents } from './events/job-events.server.js';

/** Builds the API application (without listening), as main(), the tests and the OpenAPI script use it. */
export async function createApiApp(
  config: AppConfig,
  options: { preview?: boolean } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
    preview: options.preview ?? false,
    abortOnError: false,
  });
  if (!options.preview) app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  const document = createOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  // Job events from the workers (and other API processes) over the Redis transport; never blocks start.
  if (!options.preview) await connectJobEvents(app, config);
  return app;
}

export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('AI Data Factory API')
    .setDescription('Web pages in, LLM training data out: projects, jobs, exports, templates, stats.')
    .setVersion(VERSION)
    .build();
  return SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey: string, methodKey: string) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
}
