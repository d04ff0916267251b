import { Controller, type ExecutionContext, Get, Post, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AppConfig } from '@datafactory/config';
import { describe, expect, it } from 'vitest';
import { AllowQueryToken, Public } from './auth.decorators.js';
import { ApiTokenGuard } from './auth.guard.js';

const TOKEN = 'unit-token-0123456789';

@Controller('api/things')
class ThingsController {
  @Get() list() {}
  @AllowQueryToken() @Get('stream') stream() {}
  @AllowQueryToken() @Post('stream') poke() {}
}

@Public()
@Controller('health')
class HealthLikeController {
  @Get() get() {}
}

function context(
  controller: object,
  handler: () => void,
  req: { method: string; path: string; headers?: Record<string, string>; accessToken?: string },
): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => controller.constructor,
    switchToHttp: () => ({ getRequest: () => ({ headers: {}, ...req }) }),
  } as unknown as ExecutionContext;
}

const guard = (token?: string) => new ApiTokenGuard({ api: { token } } as unknown as AppConfig, new Reflector());

describe('ApiTokenGuard', () => {
  const things = new ThingsController();
  const health = new HealthLikeController();

  it('wants the token on every route that is not @Public(), whatever its path looks like', () => {
    for (const path of ['/api/things', '/API/things', '/elsewhere']) {
      expect(() => guard(TOKEN).canActivate(context(things, things.list, { method: 'GET', path }))).toThrow(
        UnauthorizedException,
      );
    }
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect(guard(TOKEN).canActivate(context(things, things.list, { method: 'GET', path: '/x', headers: bearer }))).toBe(
      true,
    );
    expect(guard(TOKEN).canActivate(context(health, health.get, { method: 'GET', path: '/health' }))).toBe(true);
    // No API_TOKEN configured: everything is open.
    expect(guard().canActivate(context(things, things.list, { method: 'GET', path: '/api/things' }))).toBe(true);
  });

  it('takes ?access_token= only on GET routes marked @AllowQueryToken()', () => {
    const q = { accessToken: TOKEN };
    expect(guard(TOKEN).canActivate(context(things, things.stream, { method: 'GET', path: '/s', ...q }))).toBe(true);
    expect(() => guard(TOKEN).canActivate(context(things, things.list, { method: 'GET', path: '/l', ...q }))).toThrow(
      UnauthorizedException,
    );
    expect(() => guard(TOKEN).canActivate(context(things, things.poke, { method: 'POST', path: '/s', ...q }))).toThrow(
      UnauthorizedException,
    );
    expect(() =>
      guard(TOKEN).canActivate(context(things, things.stream, { method: 'GET', path: '/s', accessToken: 'wrong' })),
    ).toThrow(UnauthorizedException);
  });
});
