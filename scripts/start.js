#!/usr/bin/env node
// `npm start`: migrates the database, then runs the API and one worker.
// With REDIS_URL unset and nothing answering at the default Redis address
// (a TCP connect within 500 ms, libs/config redis-probe.ts), it runs the
// embedded app instead: the API, the dashboard and the stages in one
// process, queues in memory, no Redis. With REDIS_URL set, Redis is required.
// Ctrl-C (or SIGTERM) stops everything cleanly: each child gets the signal
// and finishes what it is doing; if one dies, the others are stopped too.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (app) => path.join(root, 'dist', 'apps', app, 'src', 'main.js');

for (const app of ['api', 'worker', 'cli', 'embedded']) {
  if (!existsSync(dist(app))) {
    console.error(`start: ${app} is not built; run \`npm run setup\` first.`);
    process.exit(1);
  }
}

const { loadConfigOrExit, redactUrl, redisAnswers } = await import(
  pathToFileURL(path.join(root, 'dist', 'libs', 'config', 'src', 'index.js')).href
);
const { redis } = loadConfigOrExit('start');
const embedded = !redis.explicit && !(await redisAnswers(redis.url));
if (embedded) {
  console.log(
    `start: no Redis at ${redactUrl(redis.url)} and REDIS_URL is not set: running embedded ` +
      '(API, dashboard and stages in one process, no Redis; set REDIS_URL to use workers)',
  );
}

const migrate = spawnSync(process.execPath, [dist('cli'), 'db', 'migrate'], { stdio: 'inherit', cwd: root });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const children = new Map();
let stopping = false;
let exitCode = 0;

function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill(signal);
}

for (const app of embedded ? ['embedded'] : ['api', 'worker']) {
  const child = spawn(process.execPath, [dist(app)], { stdio: 'inherit', cwd: root });
  children.set(app, child);
  child.on('exit', (code, signal) => {
    children.delete(app);
    if (!stopping) {
      console.error(`start: ${app} exited (${signal ?? code}); stopping the rest`);
      exitCode = code || 1;
      stopAll('SIGTERM');
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

// Ctrl-C in a terminal sends SIGINT to the whole process group (the children
// get it too); forwarding it again is harmless because each child stops once.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(signal));
