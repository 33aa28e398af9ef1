// Module boundaries (STYLE.md §6.3) are enforced on the `#lib/…` import specifiers, which are the
// only way code reaches another lib.
import tseslint from 'typescript-eslint';

const forbid = (groups, message) => ['error', { patterns: [{ group: groups, message }] }];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name='parseFloat']",
          message: 'Money never goes through floats (STYLE §6.4).',
        },
      ],
    },
  },
  {
    files: ['libs/**/*.ts'],
    ignores: ['libs/testing/**'],
    rules: { 'no-restricted-imports': forbid(['**/apps/**'], 'libs never import apps.') },
  },
  {
    files: ['libs/connectors/**/*.ts', 'libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(
        ['#persistence/*', '#sync/*', 'typeorm', 'pg', 'bullmq', '@nestjs/bullmq', 'ioredis', '**/apps/**'],
        'connectors and the domain know nothing of PostgreSQL, BullMQ or clients (STYLE §6.3).',
      ),
    },
  },
  {
    files: ['apps/sandbox-*/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(
        [
          '#connectors/*',
          '#domain/*',
          '#persistence/*',
          '#sync/*',
          '#crypto/*',
          '**/libs/**',
          '**/apps/api/**',
          '**/apps/worker/**',
        ],
        'a sandbox bank shares no code with the client it fakes, or their bugs cancel out (STYLE §6.3).',
      ),
    },
  },
  {
    files: ['apps/api/src/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(
        ['#sync/*'],
        'data fetching runs in apps/worker through libs/sync (STYLE §6.3).',
      ),
    },
  },
  {
    files: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      '**/test/**/*.ts',
      'libs/testing/**/*.ts',
      'bench/**/*.ts',
    ],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
