// Vitest configuration: unit tests beside the code, integration and CLI suites under test/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['apis/**/*.test.ts', 'controllers/**/*.test.ts', 'cmd/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'test/bench/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
