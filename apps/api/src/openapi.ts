/**
 * Writes the OpenAPI document to a file (default openapi/openapi.json) without
 * connecting to anything: the app is built in preview mode. `npm run openapi`
 * runs it; a test fails when the committed file differs from the code.
 */
import 'reflect-metadata';
import { loadConfig } from '@datafactory/config';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createApiApp, createOpenApiDocument } from './bootstrap.js';

export async function renderOpenApi(): Promise<string> {
  // Preview mode instantiates no provider, so no database or Redis is touched.
  const app = await createApiApp(loadConfig({ LOG_LEVEL: 'silent' }), { preview: true });
  const document = createOpenApiDocument(app);
  await app.close();
  return `${JSON.stringify(document, null, 2)}\n`;
}

const target = process.argv[2];
if (target && import.meta.url === `file://${process.argv[1]}`) {
  const file = path.resolve(target);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, await renderOpenApi());
  console.log(`openapi: wrote ${file}`);
}
