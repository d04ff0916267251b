#!/usr/bin/env node
// Generates the next migration for SQLite and for PostgreSQL from the entities
// (libs/persistence/src/entities) and commits nothing: review and commit the new
// files under libs/persistence/src/migrations/{sqlite,postgresql}/.
//
//   cd /work/main && source scripts/node24.sh && node libs/persistence/scripts/create-migrations.mjs [name]
//
// It runs the TypeScript sources through Vite's module runner with the same
// path aliases and SWC transform as vitest.config.ts, so it needs no build. No database server is needed: the diff is
// taken against each folder's .snapshot.json. Once the CLI exposes it, prefer
// `datafactory db migration-create [--name NAME]` (same createMigration()).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { runnerImport } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const name = process.argv[2];
// The same aliases and SWC transform as vitest.config.ts.
const alias = Object.fromEntries(
  ['contracts', 'config', 'persistence'].map((l) => [
    `@datafactory/${l}`,
    path.join(root, 'libs', l, 'src', 'index.ts'),
  ]),
);
const { module } = await runnerImport(path.join(root, 'libs/persistence/src/create-migration.ts'), {
  configFile: false,
  root,
  logLevel: 'error',
  resolve: { alias },
  plugins: [swc.vite({ jsc: { target: 'es2023', transform: { legacyDecorator: true, decoratorMetadata: true } } })],
});
const dialects = [
  { driver: 'sqlite', path: ':memory:', busyTimeoutMs: 1000 },
  // Only the dialect matters: no connection is opened.
  { driver: 'postgresql', url: 'postgres://localhost/unused' },
];
for (const db of dialects) {
  const result = await module.createMigration(db, { name });
  console.log(
    result.file
      ? `${db.driver}: wrote ${path.relative(root, result.file)} (${result.up.length} statements)`
      : `${db.driver}: no changes`,
  );
}
