// The live Sprite check (test/sprite/live/run.ts runs it when SPRITES_TOKEN is set).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/sprite/live/*.test.ts'],
    root: new URL('../../..', import.meta.url).pathname,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
