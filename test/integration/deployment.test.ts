/**
 * Integration: the Docker deployment (docker-compose.yml, docker/Dockerfile, docker/nginx.conf,
 * .dockerignore, .env.example), checked statically because no Docker engine runs on these
 * machines (so the images are never built here): the compose file against the Compose
 * specification's JSON schema, every path and command they name against the repository and
 * the build's outputs, and the app containers' environment against libs/config.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { loadConfig } from '@datafactory/config';
import { describe, expect, it } from 'vitest';
import { requireInCi } from '@datafactory/testing';
import {
  type ComposeDoc,
  type Dockerfile,
  type Env,
  ROOT,
  baseImage,
  configVariables,
  copies,
  documentedVariables,
  dockerIgnored,
  durationMs,
  envOf,
  environmentOf,
  instructionArgs,
  interpolate,
  interpolatedVariables,
  parseDockerfile,
  parseDotenv,
  provenance,
  read,
  readCompose,
  readTsconfig,
  stageChain,
  tscOutputs,
  workdirOf,
} from './deployment-files.js';

/** The vendored schema: compose-spec.json as the npm package dclint@3.1.0 ships it (schemas/compose.schema.json). */
const SCHEMA_FILE = 'test/fixtures/compose-spec.json';
/** sha256 of JSON.stringify(JSON.parse(file)): the content, whatever the formatting (Prettier reformats it). */
const SCHEMA_SHA256 = 'b2dc5daa8ce86f3b6a82dfe17afa0b5428b21d51a18bfb6e1ef304cf88e933ae';

const APP_SERVICES = ['migrate', 'backend-api', 'worker'] as const;
const LONG_RUNNING = ['frontend', 'backend-api', 'worker', 'redis', 'postgres'] as const;
/** Variables of libs/config that the containers deliberately do not get, and why. */
const NOT_FOR_CONTAINERS: Record<string, string> = {
  DASHBOARD_DIR: 'the frontend container (nginx) serves the dashboard, not the API',
  REDIS_DEFAULT_URL: 'test-only: where `npm start` probes for Redis when REDIS_URL is unset (Compose sets REDIS_URL)',
};
/** Variables .env.example may document although neither libs/config nor the compose file names them. */
const COMPOSE_BUILTINS = new Set(['COMPOSE_PROFILES', 'COMPOSE_PROJECT_NAME', 'COMPOSE_FILE']);

const compose = readCompose();
const dockerfile: Dockerfile = parseDockerfile(read('docker/Dockerfile'));
const envExample = read('.env.example');

/** The scale-out lines of .env.example (commented there), as a user uncomments them. */
function scaleOutEnv(): Env {
  const documented = documentedVariables(envExample);
  const pick = (name: string, test: (v: string) => boolean) => documented.get(name)?.find(test);
  return {
    ...parseDotenv(envExample),
    COMPOSE_PROFILES: pick('COMPOSE_PROFILES', (v) => v === 'postgres'),
    DATABASE_URL: pick('DATABASE_URL', (v) => v.startsWith('postgres://')),
  };
}

/** Shell environments Compose may run with: nothing set, .env.example copied as is, the scale-out. */
const SCENARIOS: Record<string, Env> = {
  'no .env': {},
  '.env.example copied': parseDotenv(envExample),
  'postgres scale-out': scaleOutEnv(),
};

function composeSchemaValidator() {
  const schema = JSON.parse(read(SCHEMA_FILE)) as Record<string, unknown>;
  // The schema names its draft by an https URL that Ajv's bundled draft-07 meta-schema does not
  // answer to; the schema itself is draft-07, which Ajv's default class implements.
  delete schema.$schema;
  // strict: false because the spec uses annotations Ajv does not know (`deprecated`, ...).
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile(schema);
}

function service(name: string, doc: ComposeDoc = compose): ComposeDoc {
  const s = doc.services?.[name] as ComposeDoc | undefined;
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

/** The image target a compose service is built from. */
function targetOf(name: string): string {
  const build = service(name).build as ComposeDoc | undefined;
  expect(build, `${name} is built from docker/Dockerfile`).toBeDefined();
  return build!.target as string;
}

function commandOf(name: string): string[] {
  const s = service(name);
  if (s.command) return s.command as string[];
  const cmd = instructionArgs(dockerfile, targetOf(name), 'CMD').at(-1)!;
  return JSON.parse(cmd) as string[];
}

/** Asserts that a path inside an image comes from a file that exists or a build step that produces it. */
function expectInImage(stage: string, imagePath: string, why: string): void {
  const absolute = path.posix.resolve(workdirOf(dockerfile, stage), imagePath);
  const from = provenance(dockerfile, stage, absolute);
  expect(from, `${why}: ${absolute} is copied into the ${stage} image`).toBeDefined();
  if (from!.origin === 'context') {
    expect(existsSync(path.join(ROOT, from!.source)), `${why}: ${from!.source} exists in the repository`).toBe(true);
    expect(dockerIgnored(from!.source), `${why}: .dockerignore lets ${from!.source} through`).toBe(false);
  } else if (from!.origin === 'build-server') {
    const inRepo = path.posix.relative(workdirOf(dockerfile, 'build-server'), from!.source);
    expect(serverBuildOutputs().has(inRepo), `${why}: \`npm run build:server\` emits ${inRepo}`).toBe(true);
  } else if (from!.origin === 'prod-deps') {
    expect(from!.source).toMatch(/^\/app\/node_modules(\/|$)/);
  } else {
    throw new Error(`${why}: ${absolute} comes from stage ${from!.origin}, which this test does not model`);
  }
}

let serverOutputs: Set<string> | undefined;
/** What `npm run build:server` (tsc -p tsconfig.build.json) emits from the sources the build stage has. */
function serverBuildOutputs(): Set<string> {
  serverOutputs ??= tscOutputs('tsconfig.build.json', (source) => {
    const from = provenance(dockerfile, 'build-server', path.posix.join('/app', source));
    return from?.origin === 'context' && !dockerIgnored(source);
  });
  return serverOutputs;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification JSON schema (vendored), before and after interpolation', () => {
    const canonical = JSON.stringify(JSON.parse(read(SCHEMA_FILE)));
    expect(createHash('sha256').update(canonical).digest('hex'), `${SCHEMA_FILE} is the vendored schema`).toBe(
      SCHEMA_SHA256,
    );
    const validate = composeSchemaValidator();
    // The validator does catch mistakes (so a pass means something).
    expect(validate({ services: { web: { image: 'x', restrat: 'always' } } })).toBe(false);
    expect(validate({ services: { web: { image: 'x', depends_on: { db: { condition: 'sometimes' } } } } })).toBe(false);

    for (const [scenario, env] of Object.entries({ raw: undefined, ...SCENARIOS })) {
      const doc = env ? interpolate(compose, env) : compose;
      const ok = validate(doc);
      expect(ok, `${scenario}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
    }
  });

  it('has the four containers of the design, a one-shot migrate step and a postgres profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['backend-api', 'frontend', 'migrate', 'postgres', 'redis', 'worker'].sort(),
    );
    const containerPorts = (name: string) =>
      ((service(name).ports as string[] | undefined) ?? []).map((p) => Number(String(p).split(':').at(-1)));
    expect(containerPorts('frontend')).toEqual([3000]);
    expect(containerPorts('backend-api')).toEqual([8000]);
    expect(service('redis').image).toBe('redis:7-alpine');
    expect(targetOf('frontend')).toBe('frontend');
    expect(targetOf('backend-api')).toBe('app');
    expect(targetOf('migrate')).toBe('app');
    expect(targetOf('worker')).toBe('worker');
    for (const name of ['frontend', 'backend-api', 'migrate', 'worker']) {
      expect(service(name).build.context, name).toBe('.');
      expect(existsSync(path.join(ROOT, service(name).build.dockerfile as string)), name).toBe(true);
    }
    // Only postgres sits in a profile: `docker compose up` starts the four containers (and migrate).
    for (const [name, s] of Object.entries(compose.services as Record<string, ComposeDoc>)) {
      expect(s.profiles, name).toEqual(name === 'postgres' ? ['postgres'] : undefined);
    }
    expect(service('postgres').image).toMatch(/^postgres:1[56]-alpine$/);
  });

  it('mounts ./data at /app/data and ./db at /app/db in every app container, with SQLite in /app/db', () => {
    for (const name of APP_SERVICES) {
      expect(service(name).volumes, name).toEqual(['./data:/app/data', './db:/app/db']);
      const env = environmentOf(interpolate(service(name), {}));
      expect(env.DATA_DIR, name).toBe('/app/data');
      expect(env.DATABASE_URL, name).toBe('sqlite:/app/db/datafactory.db');
    }
    // The bind-mounted folders are the user's data: never committed, never sent to the build.
    const gitignore = read('.gitignore').split('\n');
    for (const dir of ['data', 'db']) {
      expect(
        gitignore.some((l) => l.replace(/^\/|\/$/g, '') === dir),
        `.gitignore has ${dir}/`,
      ).toBe(true);
      expect(dockerIgnored(dir), `.dockerignore has ${dir}`).toBe(true);
    }
  });

  it('runs `datafactory db migrate` once, before the API and the workers start', () => {
    expect(commandOf('migrate')).toEqual(['node', 'bin/datafactory.js', 'db', 'migrate']);
    expect(service('migrate').restart).toBe('no');
    for (const name of ['backend-api', 'worker']) {
      expect(service(name).depends_on, name).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
      });
      expect(commandOf(name).join(' '), `${name} does not migrate by itself`).not.toMatch(/migrate/);
    }
    // With the postgres profile, migrate waits for PostgreSQL; without it, the dependency is skipped.
    expect(service('migrate').depends_on).toEqual({ postgres: { condition: 'service_healthy', required: false } });
    expect(service('frontend').depends_on).toEqual({ 'backend-api': { condition: 'service_healthy' } });
    // The CLI really has `db migrate`.
    const dbCommand = read('apps/cli/src/commands/db.command.ts');
    expect(dbCommand).toMatch(/@SubCommand\(\{ name: 'migrate'/);
    expect(dbCommand).toMatch(/@Command\(\{ name: 'db'/);
  });

  it('gives every long-running service a healthcheck, restart: unless-stopped and a graceful stop', () => {
    for (const name of LONG_RUNNING) {
      const s = service(name);
      expect(s.restart, name).toBe('unless-stopped');
      expect(s.healthcheck?.test, `${name} has a healthcheck`).toBeDefined();
      expect(s.healthcheck.disable, name).toBeUndefined();
      for (const key of ['interval', 'timeout', 'start_period']) durationMs(s.healthcheck[key] as string);
    }
    expect(service('backend-api').healthcheck.test).toEqual(['CMD', 'node', 'docker/healthcheck.mjs', 'api']);
    expect(service('worker').healthcheck.test).toEqual(['CMD', 'node', 'docker/healthcheck.mjs', 'worker']);
    expect(service('redis').healthcheck.test.join(' ')).toMatch(/redis-cli ping/);
    expect(service('postgres').healthcheck.test.join(' ')).toMatch(/pg_isready/);
    expect(service('frontend').healthcheck.test.join(' ')).toContain('http://127.0.0.1:3000/healthz');
    expect(read('docker/nginx.conf')).toMatch(/location = \/healthz \{[^}]*return 200/);

    for (const name of ['backend-api', 'worker']) {
      expect(service(name).stop_signal, name).toBe('SIGTERM');
      expect(service(name).init, `${name} runs under an init that forwards signals and reaps Chromium`).toBe(true);
    }
    // Docker must not SIGKILL the worker before it has had SHUTDOWN_TIMEOUT_MS to finish its jobs.
    for (const [scenario, env] of Object.entries(SCENARIOS)) {
      const worker = interpolate(service('worker'), env);
      const grace = durationMs(worker.stop_grace_period as string);
      const shutdown = Number(environmentOf(worker).SHUTDOWN_TIMEOUT_MS);
      expect(grace, scenario).toBeGreaterThan(shutdown);
      expect(grace - shutdown, `${scenario}: a few seconds for closing`).toBeGreaterThanOrEqual(3_000);
    }
    const documented = documentedVariables(envExample);
    const graceDoc = durationMs(documented.get('WORKER_STOP_GRACE_PERIOD')![0]!);
    expect(graceDoc).toBeGreaterThan(Number(documented.get('SHUTDOWN_TIMEOUT_MS')![0]));
  });

  it('gives the app containers an environment that libs/config accepts, in every scenario', () => {
    for (const [scenario, env] of Object.entries(SCENARIOS)) {
      for (const name of APP_SERVICES) {
        const containerEnv = environmentOf(interpolate(service(name), env));
        const config = loadConfig(containerEnv);
        expect(config.host, `${scenario}/${name}: HOST must be 0.0.0.0 in a container`).toBe('0.0.0.0');
        expect(config.port, `${scenario}/${name}`).toBe(8000);
        expect(config.dataDir, `${scenario}/${name}`).toBe('/app/data');
        expect(config.redis.url, `${scenario}/${name}`).toBe('redis://redis:6379');
        expect(config.chromePath, `${scenario}/${name}`).toBe('/usr/bin/chromium');
        expect(config.env, `${scenario}/${name}`).toBe('production');
        if (scenario === 'postgres scale-out') {
          expect(config.database.driver, `${scenario}/${name}`).toBe('postgresql');
          expect((config.database as { url: string }).url).toMatch(/@postgres:5432\//);
        } else {
          expect(config.database, `${scenario}/${name}`).toMatchObject({
            driver: 'sqlite',
            path: '/app/db/datafactory.db',
          });
        }
      }
    }
  });

  it('passes every variable libs/config reads to the app containers', () => {
    const vars = configVariables();
    expect(vars.size, 'found the variables of libs/config').toBeGreaterThanOrEqual(15);
    for (const name of APP_SERVICES) {
      const env = environmentOf(service(name));
      const missing = [...vars].filter((v) => !(v in env) && !(v in NOT_FOR_CONTAINERS));
      expect(missing, `${name}: add them to x-app-environment in docker-compose.yml`).toEqual([]);
      expect(
        Object.keys(env).filter((v) => !vars.has(v)),
        `${name}: variables libs/config does not read`,
      ).toEqual([]);
    }
    expect(environmentOf(service('worker')).CHROME_PATH).toBe(envOf(dockerfile, 'worker').CHROME_PATH);
  });

  it('switches to PostgreSQL with the postgres profile, and refuses it while DATABASE_URL points elsewhere', () => {
    const pg = service('postgres');
    expect(pg.profiles).toEqual(['postgres']);
    expect(pg.ports, 'PostgreSQL stays on the compose network').toBeUndefined();
    expect(scaleOutEnv().COMPOSE_PROFILES, '.env.example shows COMPOSE_PROFILES=postgres').toBe('postgres');
    const cases: [string, Env, number][] = [
      ['no .env', SCENARIOS['no .env']!, 1],
      ['.env.example copied', SCENARIOS['.env.example copied']!, 1],
      ['postgres scale-out', SCENARIOS['postgres scale-out']!, 0],
      ['another server', { DATABASE_URL: 'postgres://u:p@db.example.org:5432/df' }, 1],
      ['postgresql:// without port', { DATABASE_URL: 'postgresql://u:p@postgres/df' }, 0],
    ];
    for (const [scenario, env, expected] of cases) {
      const s = interpolate(pg, env);
      const [shell, flag, script] = s.entrypoint as string[];
      expect([shell, flag]).toEqual(['sh', '-c']);
      expect(script).toContain('exec docker-entrypoint.sh postgres');
      // Run the guard here with a stand-in for the image's entrypoint.
      const result = spawnSync('sh', ['-c', script!.replace('exec docker-entrypoint.sh postgres', 'exit 0')], {
        env: { PATH: process.env.PATH, ...environmentOf(s) },
        encoding: 'utf8',
      });
      expect(result.status, `${scenario}: ${result.stderr}`).toBe(expected);
      if (expected) expect(result.stderr).toMatch(/DATABASE_URL=postgres:\/\//);
    }
    // The documented DATABASE_URL matches the server the profile starts.
    const pgEnv = environmentOf(interpolate(pg, scaleOutEnv()));
    const url = new URL(scaleOutEnv().DATABASE_URL!);
    expect([url.username, url.password, url.pathname.slice(1)]).toEqual([
      pgEnv.POSTGRES_USER,
      pgEnv.POSTGRES_PASSWORD,
      pgEnv.POSTGRES_DB,
    ]);
  });

  it('names only commands and files that exist in the images', () => {
    for (const name of APP_SERVICES) {
      const stage = targetOf(name);
      const command = commandOf(name);
      expect(command[0], name).toBe('node');
      expectInImage(stage, command[1]!, `${name} command`);
      const test = service(name).healthcheck?.test as string[] | undefined;
      if (test) {
        expect(test.slice(0, 2), name).toEqual(['CMD', 'node']);
        expectInImage(stage, test[2]!, `${name} healthcheck`);
      }
    }
    // The scripts those commands run import the build's output by relative path: it is there too.
    for (const script of ['bin/datafactory.js', 'docker/healthcheck.mjs']) {
      const refs = [...read(script).matchAll(/['"](\.\.\/[^'"]+\.m?js)['"]/g)].map((m) => m[1]!);
      expect(refs.length, `${script} imports the build`).toBeGreaterThan(0);
      for (const ref of refs) {
        expectInImage('app', path.posix.join(path.posix.dirname(script), ref), `${script} imports ${ref}`);
      }
    }
  });

  it.runIf(requireInCi('the build (npm run build) in dist/apps', existsSync(path.join(ROOT, 'dist', 'apps'))))(
    'names files that the local build (npm run build) produced',
    () => {
      for (const file of [
        'dist/apps/api/src/main.js',
        'dist/apps/worker/src/main.js',
        'dist/apps/cli/src/main.js',
        'dist/libs/config/src/config.js',
        'dist/libs/contracts/src/index.js',
      ]) {
        expect(serverBuildOutputs().has(file), file).toBe(true);
        expect(existsSync(path.join(ROOT, file)), file).toBe(true);
      }
    },
  );
});

describe('.env.example', () => {
  const documented = documentedVariables(envExample);

  it('documents every variable that libs/config reads', () => {
    const missing = [...configVariables()].filter((v) => !documented.has(v));
    expect(missing, 'add them to .env.example (and to x-app-environment in docker-compose.yml)').toEqual([]);
  });

  it('documents every variable that docker-compose.yml interpolates', () => {
    const missing = [...interpolatedVariables(compose)].filter((v) => !documented.has(v));
    expect(missing).toEqual([]);
  });

  it('documents nothing that neither libs/config nor docker-compose.yml uses', () => {
    const used = new Set([...configVariables(), ...interpolatedVariables(compose), ...COMPOSE_BUILTINS]);
    expect([...documented.keys()].filter((v) => !used.has(v))).toEqual([]);
  });

  it('shows the defaults of libs/config for the variables Compose does not set itself', () => {
    const defaults = loadConfig({});
    const shown = (name: string) => documented.get(name)?.[0];
    expect(shown('LLM_MODEL')).toBe(defaults.llm.model);
    expect(shown('REDIS_PREFIX')).toBe(defaults.redis.prefix);
    expect(shown('LOG_LEVEL')).toBe(defaults.log.level);
    expect(Number(shown('WORKER_CONCURRENCY'))).toBe(defaults.worker.concurrency);
    expect(Number(shown('SHUTDOWN_TIMEOUT_MS'))).toBe(defaults.worker.shutdownTimeoutMs);
    expect(Number(shown('DB_BUSY_TIMEOUT_MS'))).toBe((defaults.database as { busyTimeoutMs: number }).busyTimeoutMs);
    expect(shown('HOST')).toBe(defaults.host);
    expect(Number(shown('PORT'))).toBe(defaults.port);
    expect(shown('CHROME_PATH')).toBe(defaults.chromePath);
  });
});

describe('docker/Dockerfile', () => {
  const runtimeTargets = ['app', 'worker', 'frontend'];
  const nodeStages = dockerfile.stages.filter((s) => baseImage(dockerfile, s.name).startsWith('node:'));

  it('builds on Node 24 slim images, with npm ci and the lock file; no install script downloads', () => {
    expect(nodeStages.map((s) => s.name)).toEqual(
      expect.arrayContaining(['deps', 'build-server', 'build-dashboard', 'prod-deps', 'app', 'worker']),
    );
    for (const stage of nodeStages) {
      expect(baseImage(dockerfile, stage.name), stage.name).toMatch(/^node:24(\.\d+)*-(bookworm-|trixie-)?slim$/);
    }
    for (const stage of ['deps', 'prod-deps']) {
      const runs = instructionArgs(dockerfile, stage, 'RUN').join('\n');
      expect(runs, stage).toMatch(/\bnpm ci\b/);
      expect(runs, stage).not.toMatch(/\bnpm install\b/);
      const copied = copies(dockerfile, stage).flatMap((c) => (c.from ? [] : c.sources));
      expect(copied, `${stage} copies the lock file before npm ci`).toEqual(
        expect.arrayContaining(['package.json', 'package-lock.json']),
      );
    }
    expect(instructionArgs(dockerfile, 'prod-deps', 'RUN').join('\n')).toMatch(/npm ci --omit=dev/);
    // onnxruntime-node's install script downloads CUDA files: package.json's allowScripts (npm 11) denies it.
    const pkg = JSON.parse(read('package.json')) as { allowScripts: Record<string, boolean> };
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
    expect(baseImage(dockerfile, 'frontend')).toMatch(/^nginx:[\d.]+-alpine$/);
  });

  it('runs every runtime image as a non-root user', () => {
    for (const target of runtimeTargets) {
      const user = instructionArgs(dockerfile, target, 'USER').at(-1);
      expect(user, `${target} sets USER`).toBeDefined();
      expect(user!.split(':')[0], target).not.toMatch(/^(root|0)$/);
    }
    // Compose may override the uid (DF_UID) but never to root by default.
    for (const name of APP_SERVICES) {
      expect(interpolate(service(name), {}).user, name).toBe('1000:1000');
    }
    expect(read('docker/nginx.conf'), 'an unprivileged nginx keeps its pid file in /tmp').toMatch(
      /^pid \/tmp\/[\w.-]+;$/m,
    );
  });

  it('makes the worker image the app image plus Debian Chromium', () => {
    expect(stageChain(dockerfile, 'worker').map((s) => s.name)).toEqual(['app', 'worker']);
    const runs = instructionArgs(dockerfile, 'worker', 'RUN').join('\n');
    expect(runs).toMatch(/apt-get install -y --no-install-recommends chromium\b/);
    expect(runs).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
    expect(envOf(dockerfile, 'worker').CHROME_PATH).toBe('/usr/bin/chromium');
    expect(instructionArgs(dockerfile, 'app', 'RUN').join('\n')).not.toMatch(/chromium/);
  });

  it('stops the node processes with SIGTERM', () => {
    for (const target of ['app', 'worker']) {
      expect(instructionArgs(dockerfile, target, 'STOPSIGNAL').at(-1), target).toBe('SIGTERM');
    }
    expect(JSON.parse(instructionArgs(dockerfile, 'app', 'CMD').at(-1)!)).toEqual([
      'node',
      'dist/apps/api/src/main.js',
    ]);
    expect(JSON.parse(instructionArgs(dockerfile, 'worker', 'CMD').at(-1)!)).toEqual([
      'node',
      'dist/apps/worker/src/main.js',
    ]);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const stageNames = new Set(dockerfile.stages.map((s) => s.name));
    for (const stage of dockerfile.stages) {
      for (const c of copies(dockerfile, stage.name)) {
        if (c.from) {
          expect(stageNames.has(c.from), `${stage.name}: COPY --from=${c.from} names a stage`).toBe(true);
          continue;
        }
        for (const source of c.sources) {
          expect(existsSync(path.join(ROOT, source)), `${stage.name}: COPY ${source}`).toBe(true);
          expect(dockerIgnored(source), `${stage.name}: .dockerignore excludes ${source}`).toBe(false);
        }
      }
    }
    // And the context leaves out what must not be sent to the daemon.
    for (const p of ['node_modules', 'dist', '.git', '.env', 'data', 'db', 'libs/config/src/config.spec.ts']) {
      expect(dockerIgnored(p), p).toBe(true);
    }
    expect(dockerIgnored('.env.example')).toBe(false);
  });

  it('gives each build stage the sources its compiler reads', () => {
    // build-server: tsc -p tsconfig.build.json over apps/{api,worker,cli} and libs/*.
    const outputs = serverBuildOutputs();
    for (const app of ['api', 'worker', 'cli']) expect(outputs.has(`dist/apps/${app}/src/main.js`), app).toBe(true);
    const fullBuild = tscOutputs('tsconfig.build.json', (source) => !source.startsWith('bench/'));
    const missing = [...fullBuild].filter((f) => !outputs.has(f));
    expect(missing, 'sources tsconfig.build.json compiles that the build stage does not copy').toEqual([]);

    // build-dashboard: apps/dashboard and every path alias of its tsconfig.
    const paths = readTsconfig('apps/dashboard/tsconfig.json').compilerOptions?.paths ?? {};
    const needed = ['apps/dashboard/src/main.ts', 'angular.json', 'tsconfig.json'];
    for (const targets of Object.values(paths)) {
      for (const t of targets) needed.push(path.posix.normalize(path.posix.join('apps/dashboard', t)));
    }
    for (const file of needed) {
      const from = provenance(dockerfile, 'build-dashboard', path.posix.join('/app', file));
      expect(from, `build-dashboard copies ${file}`).toEqual({ origin: 'context', source: file });
      expect(dockerIgnored(file), file).toBe(false);
    }
  });

  it('runs only npm scripts that exist, and copies what they produce', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const stage of dockerfile.stages) {
      for (const run of instructionArgs(dockerfile, stage.name, 'RUN')) {
        for (const m of run.matchAll(/npm run ([\w:-]+)/g)) {
          expect(scripts[m[1]!], `${stage.name}: npm run ${m[1]}`).toBeDefined();
        }
      }
    }
    expect(scripts['build:server']).toContain('tsconfig.build.json');
    expect(scripts['build:dashboard']).toMatch(/ng build dashboard/);
    const angular = JSON.parse(read('angular.json')) as {
      projects: Record<string, { architect: { build: { options: { outputPath: string } } } }>;
    };
    // Angular's application builder writes the browser bundle to <outputPath>/browser.
    const outputPath = angular.projects.dashboard!.architect.build.options.outputPath;
    const dashboardCopy = copies(dockerfile, 'frontend').find((c) => c.from === 'build-dashboard');
    expect(dashboardCopy?.sources).toEqual([path.posix.join('/app', outputPath, 'browser')]);
    expect(dashboardCopy?.dest).toBe('/usr/share/nginx/html');
    expect(read('docker/nginx.conf')).toMatch(/^\s*root \/usr\/share\/nginx\/html;$/m);
    expect(copies(dockerfile, 'frontend').find((c) => c.dest === '/etc/nginx/nginx.conf')?.sources).toEqual([
      'docker/nginx.conf',
    ]);
  });
});

describe('docker/nginx.conf', () => {
  const conf = read('docker/nginx.conf');

  it('serves the dashboard on port 3000 with a single-page-app fallback', () => {
    expect(conf).toMatch(/^\s*listen 3000;$/m);
    expect(conf).toMatch(/location \/ \{\s*try_files \$uri \$uri\/ \/index\.html;/);
  });

  it('proxies /api, /health and /docs to backend-api:8000, with the job streams unbuffered', () => {
    expect(conf).toMatch(/set \$backend backend-api:8000;/);
    for (const location of ['location ^~ /api/ {', 'location = /health {', 'location ^~ /docs {']) {
      const at = conf.indexOf(location);
      expect(at, location).toBeGreaterThan(0);
      expect(conf.slice(at, conf.indexOf('}', at)), location).toContain('proxy_pass http://$backend;');
    }
    const sse = /location ~ \^\/api\/jobs\/\[\^\/\]\+\/stream\$ \{([^}]*)\}/.exec(conf);
    expect(sse, 'a location for /api/jobs/{id}/stream').not.toBeNull();
    expect(sse![1]).toMatch(/proxy_buffering off;/);
    expect(sse![1]).toMatch(/proxy_cache off;/);
    expect(sse![1]).toMatch(/gzip off;/);
    const timeout = /proxy_read_timeout (\d+)([smhd]);/.exec(sse![1]!);
    expect(timeout).not.toBeNull();
    const seconds = Number(timeout![1]) * { s: 1, m: 60, h: 3600, d: 86400 }[timeout![2] as 's' | 'm' | 'h' | 'd'];
    expect(seconds, 'SSE read timeout').toBeGreaterThanOrEqual(3600);
    expect(conf).toMatch(/resolver 127\.0\.0\.11/);
  });
});
