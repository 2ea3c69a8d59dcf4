// ESLint flat config: typescript-eslint's recommended type-aware rules for all TypeScript sources,
// and the size guard rails of issue 12, item 9 (max-lines, max-lines-per-function, complexity).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { complexityRatchetPlugin } from './test/structure/complexity-ratchet.ts';

/** How lines are counted for the size rules: code only. */
const CODE_LINES = { skipBlankLines: true, skipComments: true };

/**
 * Files still over 400 lines, each to be split (the list may only shrink). controllers/sync/engine.ts
 * is being reworked on another branch (issue 12); the test files are long lists of cases.
 */
const OVERSIZED_FILES = [
  'controllers/sync/engine.ts',
  'controllers/sync/docker/staging.test.ts',
  'test/docker/docker-provider.test.ts',
  'test/sync/matrix.ts',
];

/**
 * Production functions still over 80 lines (the list may only shrink): in code being reworked on
 * other branches (issue 12: controllers/sync/engine.ts, controllers/workspace/).
 */
const OVERSIZED_FUNCTIONS = [
  'controllers/sync/engine.ts',
  'controllers/workspace/reconcile.ts',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'apis/types/**', 'coverage/**', '.ci/cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Guard rails: files of at most 400 lines and functions of at most 80 (code lines), and
    // ESLint's complexity at 12 with a ratchet: the functions above it today are listed in
    // eslint-complexity-baseline.json with their score as a ceiling (test/structure/complexity-ratchet.ts;
    // `npm run lint:complexity-baseline` regenerates it, so it can only shrink).
    files: ['**/*.ts'],
    plugins: { boulder: complexityRatchetPlugin },
    rules: {
      'max-lines': ['error', { max: 400, ...CODE_LINES }],
      'max-lines-per-function': ['error', { max: 80, ...CODE_LINES }],
      'boulder/complexity': 'error',
    },
  },
  {
    // Test files: a describe block is long by nature (its cases); their functions are not capped.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
  { files: OVERSIZED_FILES, rules: { 'max-lines': 'off' } },
  { files: OVERSIZED_FUNCTIONS, rules: { 'max-lines-per-function': 'off' } },
  {
    // Fixtures are inputs, not code we write.
    files: ['**/fixtures/**'],
    rules: { 'max-lines': 'off', 'max-lines-per-function': 'off', 'boulder/complexity': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
