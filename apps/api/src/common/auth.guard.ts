import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ALLOWS_QUERY_TOKEN, IS_PUBLIC } from './auth.decorators.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * When API_TOKEN is set, every Nest route wants `Authorization: Bearer
 * <token>` unless it is marked @Public(). Decided by route metadata, never by
 * the path, so no spelling of a path gets around it. The dashboard's static
 * files and Swagger (/docs, /docs-json) are plain Express handlers, not Nest
 * routes, and stay open. A browser's EventSource and download links cannot
 * send headers, so routes marked @AllowQueryToken() also take
 * `?access_token=` (which the request log never shows).
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.expected = config.api.token ? digest(config.api.token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected || context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<Request & { accessToken?: string }>();
    const header = req.headers.authorization;
    const fromHeader = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    // Taken off the URL on every route by the takeAccessTokenFromUrl middleware (bootstrap.ts), so it is never
    // logged; accepted only where the route allows it.
    const allowsQuery = req.method === 'GET' && this.reflector.getAllAndOverride<boolean>(ALLOWS_QUERY_TOKEN, targets);
    const given = fromHeader ?? (allowsQuery ? req.accessToken : undefined);
    // Compare digests in constant time, so neither length nor content leaks through timing.
    if (given && timingSafeEqual(digest(given), this.expected)) return true;
    throw new UnauthorizedException('missing or wrong API token: send Authorization: Bearer <API_TOKEN>');
  }
}
