import { BadRequestException, NotFoundException, PayloadTooLargeException, type ArgumentsHost } from '@nestjs/common';
import { JobInputError, NotFoundError } from '@datafactory/pipeline';
import { describe, expect, it, vi } from 'vitest';
import { HttpExceptionFilter } from './http-exception.filter.js';

function run(exception: unknown) {
  const res = { headersSent: false, status: vi.fn().mockReturnThis(), json: vi.fn() };
  const req = { url: '/api/x', originalUrl: '/api/x?y=1', id: 'req-1' };
  const host = { switchToHttp: () => ({ getResponse: () => res, getRequest: () => req }) } as unknown as ArgumentsHost;
  new HttpExceptionFilter().catch(exception, host);
  return {
    status: res.status.mock.calls[0]![0] as number,
    body: res.json.mock.calls[0]![0] as Record<string, unknown>,
  };
}

describe('HttpExceptionFilter', () => {
  it('gives a 404 the common error shape', () => {
    const { status, body } = run(new NotFoundException('project 1 not found'));
    expect(status).toBe(404);
    expect(body).toMatchObject({
      statusCode: 404,
      error: 'Not Found',
      message: 'project 1 not found',
      path: '/api/x?y=1',
      requestId: 'req-1',
    });
    expect(body).not.toHaveProperty('details');
  });

  it('lists validation messages in details and joins them in message', () => {
    const { body } = run(new BadRequestException({ message: ['a is bad', 'b is bad'] }));
    expect(body).toMatchObject({ statusCode: 400, message: 'a is bad; b is bad', details: ['a is bad', 'b is bad'] });
  });

  it('explains body-parser failures in plain words', () => {
    const parse = new BadRequestException('Unexpected end of JSON input', {
      cause: Object.assign(new SyntaxError('x'), { type: 'entity.parse.failed' }),
    });
    expect(run(parse).body.message).toBe('the request body is not valid JSON');
    const large = new PayloadTooLargeException('request entity too large', { cause: { type: 'entity.too.large' } });
    expect(run(large).body).toMatchObject({ statusCode: 413, message: 'the request body is larger than 1mb' });
  });

  it("maps the pipeline's errors: bad job input to 400 with every problem, unknown ids to 404", () => {
    const bad = run(new JobInputError(['urls[1] "x" is not a URL', 'config.scraping.colour is not a known option']));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      details: ['urls[1] "x" is not a URL', 'config.scraping.colour is not a known option'],
    });
    const missing = run(new NotFoundError('job 1 not found'));
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found', message: 'job 1 not found' });
    expect(missing.body).not.toHaveProperty('details');
  });

  it('hides the details of unexpected errors', () => {
    const { status, body } = run(new Error('password=hunter2 in a connection string'));
    expect(status).toBe(500);
    expect(body.message).toBe('internal server error');
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });
});
