#!/usr/bin/env node
// `npm run bench -- <name>`: runs the benchmark bench/<name>.ts (compiled to
// dist/bench/<name>.js by the build) and prints its `name=value` lines.
// Without a name it lists them.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bench');
const names = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.slice(0, -3))
      .sort()
  : [];
const name = process.argv[2];
if (!name) {
  console.log(names.length ? `benchmarks: ${names.join(', ')}` : 'benchmarks: none yet');
  process.exit(0);
}
if (!names.includes(name)) {
  console.error(`bench: no benchmark named "${name}" (have: ${names.join(', ') || 'none'})`);
  process.exit(1);
}
const mod = await import(pathToFileURL(path.join(dir, `${name}.js`)).href);
if (typeof mod.run !== 'function') {
  console.error(`bench: bench/${name}.ts must export an async run(args: string[])`);
  process.exit(1);
}
await mod.run(process.argv.slice(3));
