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
    files: ['apps/dashboard/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
