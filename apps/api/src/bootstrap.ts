import 'reflect-metadata';
import { type DynamicModule, type INestApplication, NotFoundException, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { type AppConfig, VERSION } from '@datafactory/config';
import express, { type Request } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { BEARER_SCHEME, QUERY_TOKEN_SCHEME } from './common/api-responses.js';
import { BODY_LIMIT } from './common/limits.js';
import { InputPipe } from './common/input.pipe.js';
import { createValidationPipe } from './common/validation.js';
import { connectJobEvents } from './events/job-events.server.js';

/** Builds the API application (without listening), as main(), the tests and the OpenAPI script use it. */
export async function createApiApp(
  config: AppConfig,
  options: { preview?: boolean; pipeline?: (Type | DynamicModule)[] } = {},
): Promise<NestExpressApplication> {
  // Routes match exactly as declared: `/API/projects` and `/api/projects/` are not `/api/projects`. Express
  // reads these settings when it creates its router, which the adapter's constructor already does: set them first.
  const server = express();
  server.set('case sensitive routing', true);
  server.set('strict routing', true);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, options.pipeline),
    new ExpressAdapter(server),
    {
      bufferLogs: true,
      bodyParser: false,
      preview: options.preview ?? false,
      abortOnError: false,
    },
  );
  if (!options.preview) app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: BODY_LIMIT });
  // `?access_token=` is taken off the URL of every request before anything reads the query or logs the URL;
  // ApiTokenGuard accepts it only on routes marked @AllowQueryToken() (the job stream, downloads).
  app.use(takeAccessTokenFromUrl);
  app.use(refuseNonCanonicalPath);
  // Security headers; styles may be inline (Angular adds component styles as <style> tags).
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          // Installs are often reached over plain http on a LAN address: do not force https sub-requests.
          upgradeInsecureRequests: null,
        },
      },
    }),
  );
  // Browsers may call the API only from the configured origins (the dashboard is served same-origin).
  app.enableCors({ origin: config.api.corsOrigins.length ? config.api.corsOrigins : false });
  // Behind a proxy (nginx in docker-compose) the client address is in X-Forwarded-For: rate limits per client.
  app.set('trust proxy', 'loopback, uniquelocal');
  // InputPipe first: it refuses what would crash class-transformer or the database before the DTOs see it.
  app.useGlobalPipes(new InputPipe(), createValidationPipe());
  app.enableShutdownHooks();
  const document = createOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  // Job events from the workers (and other API processes) over the Redis transport, or, embedded, from this
  // process's own stages; never blocks start.
  if (!options.preview) await connectJobEvents(app, config);
  return app;
}

export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('AI Data Factory API')
    .setDescription('Web pages in, LLM training data out: projects, jobs, exports, templates, stats.')
    .setVersion(VERSION)
    // ApiTokenGuard: when API_TOKEN is set, every route but /health wants it (ApiTokenRequired() says which).
    // A plain bearer token, not a JWT (addBearerAuth would add bearerFormat: JWT).
    .addSecurity(BEARER_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description: 'The API_TOKEN the API was started with.',
    })
    .addApiKey(
      {
        type: 'apiKey',
        in: 'query',
        name: 'access_token',
        description:
          'The API_TOKEN as a query parameter, on the routes a browser fetches by itself (job stream, downloads).',
      },
      QUERY_TOKEN_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey: string, methodKey: string) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  // The multipart form of job creation has fields of its own (JobUploadsInterceptor), not the JSON DTO's.
  const createJob = document.paths['/api/projects/{id}/jobs']?.post?.requestBody as
    { content: Record<string, unknown> } | undefined;
  if (createJob?.content['multipart/form-data']) {
    createJob.content['multipart/form-data'] = {
      schema: {
        type: 'object',
        properties: {
          files: {
            type: 'array',
            items: { type: 'string', format: 'binary' },
            description: 'Files (.html, .md, .txt, .pdf, .docx) that enter the pipeline at the refiner.',
          },
          urls: { type: 'string', description: 'A JSON array of URLs, or one URL per line (optional with files).' },
          config: { type: 'string', description: 'The job config as a JSON object.' },
        },
      },
    };
  }
  return document;
}

function takeAccessTokenFromUrl(req: Request & { accessToken?: string }, _res: unknown, next: () => void): void {
  if (req.url.includes('access_token=')) {
    const url = new URL(req.url, 'http://x');
    req.accessToken = url.searchParams.get('access_token') ?? undefined;
    url.searchParams.delete('access_token');
    req.url = `${url.pathname}${url.search}`;
  }
  next();
}

/** Percent-escapes of RFC 3986 unreserved characters (letters, digits, `-._~`), which never need escaping. */
const ESCAPED_UNRESERVED = /%(?:[46][1-9a-f]|[57][0-9a]|3[0-9]|2[de]|5f|7e)/i;

/**
 * `//api/x`, `/%61pi/x` or `/api/./x` name `/api/x` for some clients and proxies, but match no route here,
 * and the dashboard's SPA fallback would answer them with its page: a path that is not in normal form
 * (RFC 3986 6.2.2) is a 404 for every handler alike.
 */
function refuseNonCanonicalPath(req: Request, _res: unknown, next: (error?: unknown) => void): void {
  const p = req.path;
  if (p.includes('//') || ESCAPED_UNRESERVED.test(p) || /\/\.\.?(?:\/|$)/.test(p)) {
    next(new NotFoundException(`Cannot ${req.method} ${p}: not a normalized path`));
    return;
  }
  next();
}
