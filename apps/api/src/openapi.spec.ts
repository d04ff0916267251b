/**
 * The committed OpenAPI document (openapi/openapi.json) is complete enough to generate the dashboard's client
 * from: every operation says what it answers on success and on error, and which token it wants. That the file
 * is what the code makes is test/e2e/api.test.ts's job; this one reads only the file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface Schema {
  $ref?: string;
  type?: string;
}
interface Response {
  content?: Record<string, { schema?: Schema }>;
}
interface Operation {
  operationId: string;
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, Response>;
  security?: Record<string, string[]>[];
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes?: Record<string, { type: string; scheme?: string; in?: string; name?: string }> };
}

const DOCUMENT = path.resolve(import.meta.dirname, '../../../openapi/openapi.json');
const ERROR_SCHEMA = '#/components/schemas/ErrorResponseDto';
/** Routes marked @Public() (ApiTokenGuard lets them through without the token); test/e2e/auth.test.ts agrees. */
const PUBLIC = new Set(['Health_get']);
/** Routes marked @AllowQueryToken(): what a browser fetches by itself (EventSource, download links). */
const QUERY_TOKEN = new Set(['Jobs_stream', 'Exports_download']);
/** Error responses whose body is not an ErrorResponseDto, on purpose. */
const OTHER_ERROR_BODIES: Record<string, string> = {
  'Health_get 503': '#/components/schemas/HealthResponseDto', // the health report, naming what is down
};

const doc = JSON.parse(readFileSync(DOCUMENT, 'utf8')) as OpenApi;
const operations = Object.entries(doc.paths).flatMap(([route, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ route, method: method.toUpperCase(), op })),
);
const name = ({ method, route, op }: (typeof operations)[number]) => `${method} ${route} (${op.operationId})`;

describe('the committed OpenAPI document', () => {
  it('has operations to check', () => {
    expect(operations.length).toBeGreaterThan(20);
  });

  it('declares the bearer token and the ?access_token= alternative as security schemes', () => {
    expect(doc.components.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes?.access_token).toMatchObject({
      type: 'apiKey',
      in: 'query',
      name: 'access_token',
    });
  });

  it('gives every operation a 2xx response with a schema, a non-JSON content type, or 204 and no body', () => {
    const wrong: string[] = [];
    for (const entry of operations) {
      const success = Object.entries(entry.op.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (!success.length) wrong.push(`${name(entry)}: no 2xx response`);
      for (const [status, response] of success) {
        const content = Object.entries(response.content ?? {});
        if (status === '204') {
          if (content.length) wrong.push(`${name(entry)}: 204 with a body`);
          continue;
        }
        if (!content.length) wrong.push(`${name(entry)}: ${status} without content`);
        for (const [type, media] of content) {
          const schema = media.schema;
          const json = /^application\/(.+\+)?json$/.test(type);
          if (!schema || (json ? !schema.$ref && !schema.type : schema.type !== 'string'))
            wrong.push(`${name(entry)}: ${status} ${type} has no usable schema`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers every 4xx and 5xx with the ErrorResponseDto, as JSON', () => {
    const wrong: string[] = [];
    for (const entry of operations) {
      for (const [status, response] of Object.entries(entry.op.responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        const expected = OTHER_ERROR_BODIES[`${entry.op.operationId} ${status}`] ?? ERROR_SCHEMA;
        const content = response.content ?? {};
        if (
          Object.keys(content).join() !== 'application/json' ||
          content['application/json']?.schema?.$ref !== expected
        )
          wrong.push(`${name(entry)}: ${status} is ${JSON.stringify(content)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('declares 400 where input is checked, 404 on every {param} route and 413 where there is a body', () => {
    const wrong: string[] = [];
    for (const entry of operations) {
      const statuses = Object.keys(entry.op.responses);
      const hasInput = Boolean(entry.op.requestBody) || (entry.op.parameters ?? []).some((p) => p.in !== 'header');
      if (hasInput && !statuses.includes('400')) wrong.push(`${name(entry)}: no 400`);
      if (entry.route.includes('{') && !statuses.includes('404')) wrong.push(`${name(entry)}: no 404`);
      if (entry.op.requestBody && !statuses.includes('413')) wrong.push(`${name(entry)}: no 413`);
    }
    expect(wrong).toEqual([]);
  });

  it('asks for the bearer token (and declares its 401) on every operation but the public ones', () => {
    const wrong: string[] = [];
    for (const entry of operations) {
      const { op } = entry;
      const requirements = (op.security ?? []).map((s) => Object.keys(s).join('+')).sort();
      const expected = PUBLIC.has(op.operationId)
        ? []
        : QUERY_TOKEN.has(op.operationId)
          ? ['access_token', 'bearer']
          : ['bearer'];
      if (requirements.join() !== expected.join())
        wrong.push(`${name(entry)}: security ${JSON.stringify(requirements)}, expected ${JSON.stringify(expected)}`);
      if ('401' in op.responses === PUBLIC.has(op.operationId))
        wrong.push(`${name(entry)}: 401 ${PUBLIC.has(op.operationId) ? 'declared on a public route' : 'missing'}`);
    }
    expect(wrong).toEqual([]);
  });
});
