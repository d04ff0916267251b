import path from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;
const libs = [
  'contracts',
  'config',
  'crawler',
  'exporter',
  'persistence',
  'pipeline',
  'testing',
  'generator',
  'refiner',
  'inspector',
  'text',
];
// The worker side of libs/pipeline is its second entry; listed first, as the lib's own name is matched as a prefix.
const alias = [
  { find: '@datafactory/pipeline/worker', replacement: path.join(root, 'libs', 'pipeline', 'src', 'worker.ts') },
  ...libs.map((l) => ({ find: `@datafactory/${l}`, replacement: path.join(root, 'libs', l, 'src', 'index.ts') })),
];

// SWC compiles the TypeScript so that Nest's decorators and their metadata work in tests.
const plugins = [
  swc.vite({ jsc: { target: 'es2023', transform: { legacyDecorator: true, decoratorMetadata: true } } }),
];

export default defineConfig({
  plugins,
  resolve: { alias },
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    // Three tiers, all run by `npm test`; `vitest --project unit` runs one.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['apps/{api,worker,cli}/src/**/*.spec.ts', 'libs/*/src/**/*.spec.ts'],
          // Property tests run hundreds of cases: a loaded 2-core machine must not turn them into timeouts.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The e2e suites start the built apps as processes; one file at a time keeps the 2-core machine responsive.
          fileParallelism: false,
        },
      },
    ],
  },
});
