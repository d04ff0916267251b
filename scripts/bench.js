#!/usr/bin/env node
// `npm run bench -- <name>`: runs one benchmark (or lists them) and prints `name=value` lines.
// The stage issues add benchmarks to BENCHMARKS.
const BENCHMARKS = {};

const name = process.argv[2];
if (!name) {
  const names = Object.keys(BENCHMARKS);
  console.log(names.length ? `benchmarks: ${names.join(', ')}` : 'benchmarks: none yet');
  process.exit(0);
}
if (!BENCHMARKS[name]) {
  console.error(`bench: no benchmark named "${name}"`);
  process.exit(1);
}
await BENCHMARKS[name]();
