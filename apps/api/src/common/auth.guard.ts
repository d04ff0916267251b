import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * When API_TOKEN is set, every /api route wants `Authorization: Bearer
 * <token>`; /health, /docs and the dashboard stay open. A browser's
 * EventSource cannot send headers, so the job stream and downloads also take
 * `?access_token=` (which the request log never shows).
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = config.api.token ? digest(config.api.token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected || context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request & { accessToken?: string }>();
    if (!req.path.startsWith('/api/') && req.path !== '/api') return true;
    const header = req.headers.authorization;
    const fromHeader = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    // Taken off the URL by the takeAccessTokenFromUrl middleware (bootstrap.ts).
    const fromQuery = req.method === 'GET' ? req.accessToken : undefined;
    const given = fromHeader ?? fromQuery;
    // Compare digests in constant time, so neither length nor content leaks through timing.
    if (given && timingSafeEqual(digest(given), this.expected)) return true;
    throw new UnauthorizedException('missing or wrong API token: send Authorization: Bearer <API_TOKEN>');
  }
}
