import type { Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from './config.js';

/**
 * Paths pino replaces with "[redacted]" wherever they appear in a log line:
 * credentials in headers and any field that carries a key or password.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.api_key',
  '*.password',
  '*.token',
  '*.OPENAI_API_KEY',
  '*.HF_TOKEN',
  'config.llm.apiKey',
];

/** Nest's own start-up chatter (a line per module and per route): kept out of a terminal, kept in JSON logs. */
const STARTUP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'NestMicroservice',
]);

/**
 * nestjs-pino options shared by the API and the worker: JSON lines, request
 * ids, secrets redacted. On a terminal (`pretty`, default: stdout is a TTY)
 * lines are human-readable through pino-pretty and Nest's start-up lines are
 * left out, so each app says one line when it is up; pipes and files keep
 * JSON lines with everything.
 */
export function loggerParams(
  config: AppConfig,
  app: 'api' | 'worker' | 'cli',
  pretty: boolean = process.stdout.isTTY === true,
): Params {
  return {
    pinoHttp: {
      level: config.log.level,
      ...(pretty
        ? {
            transport: {
              target: 'pino-pretty',
              options: {
                colorize: true,
                translateTime: 'SYS:HH:MM:ss',
                ignore: 'pid,hostname,app,context,req,res,responseTime',
                messageFormat: `${app} {if context}{context}: {end}{msg}`,
                singleLine: true,
              },
            },
            hooks: {
              logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void, level: number) {
                const first = args[0] as { context?: unknown } | undefined;
                if (level <= 30 && typeof first === 'object' && STARTUP_CONTEXTS.has(String(first?.context))) return;
                method.apply(this, args);
              },
            },
          }
        : {}),
      base: { app, pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Honour a caller's X-Request-Id (a proxy's), otherwise make one; it is echoed back.
      genReqId: (req: IncomingMessage, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => req.url === '/health' },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url.replace(/([?&]access_token=)[^&]*/g, '$1[redacted]'),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
