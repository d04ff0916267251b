#!/usr/bin/env node
// The `datafactory` command: runs the built CLI (apps/cli), which `npm run setup` or `npm run build` produce.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../dist/apps/cli/src/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('datafactory: the CLI is not built yet; run `npm run setup` (or `npm run build`) first.');
  process.exit(1);
}
await import(pathToFileURL(main).href);
