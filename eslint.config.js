import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.angular/**',
      'data/**',
      'openapi/**',
      'apps/dashboard/src/app/api/**',
      'test-output/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Only libs/config reads the environment (DESIGN.md, house rules).
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/config/**', 'libs/testing/**', '**/*.spec.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @datafactory/config.' },
      ],
    },
  },
  {
    // Each lib has one public entry (index.ts); nothing reaches into another lib's files.
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@datafactory/*/*', '!@datafactory/pipeline/worker', '**/libs/*/src/**'],
              message: "Import a lib through its entry ('@datafactory/<lib>'), not its internal files.",
            },
          ],
        },
      ],
    },
  },
  {
    // The API process does not load the stages that fetch and parse pages (puppeteer-core, linkedom, tiktoken):
    // it enqueues; the workers crawl and refine (the estimate loads them on demand, in libs/pipeline).
    files: ['apps/api/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@datafactory/crawler', message: 'The API does not load the crawler; enqueue work instead.' },
            { name: '@datafactory/refiner', message: 'The API does not load the refiner; enqueue work instead.' },
            {
              name: '@datafactory/pipeline/worker',
              message: 'The API uses the enqueue side (@datafactory/pipeline); the handlers run in the workers.',
            },
          ],
          patterns: [
            {
              group: ['@datafactory/*/*', '!@datafactory/pipeline/worker', '**/libs/*/src/**'],
              message: "Import a lib through its entry ('@datafactory/<lib>'), not its internal files.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/dashboard/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
