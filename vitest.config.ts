// Vitest configuration. Two projects:
// - unit: tests beside the code plus the store and CLI suites under test/ — files run in parallel;
// - docker: integration suites against the real Docker engine (test/docker/) — they run after the
//   unit project, one file at a time, because some of them disturb the shared engine on purpose
//   (restarting dockerd, removing networks);
// - sprite: the Sprite backend end to end against the local implementation of the documented
//   Sprites API (test/sprite/*.test.ts; the fake's own tests under test/sprite/fake/ stay in unit);
//   after unit, like docker, one file at a time;
// - k8s: suites against a real Kubernetes control plane (test/k8s/), started once per run by its
//   global setup (test/k8s/env/up.sh); one file at a time, alongside the docker project;
// - leftovers: runs last and checks that no labelled Docker object or worktree survived.
import { defineConfig } from 'vitest/config';

const shared = {
  testTimeout: 30_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['apis/**/*.test.ts', 'controllers/**/*.test.ts', 'cmd/**/*.test.ts', 'server/**/*.test.ts', 'sdk/typescript/**/*.test.ts', 'integrations/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['node_modules/**', '**/node_modules/**', 'dist/**', 'test/bench/**', 'test/docker/**', 'test/multi-user/**', 'test/k8s/**', 'test/sprite/*.test.ts', 'test/sprite/live/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...shared,
          name: 'docker',
          include: ['test/docker/**/*.test.ts', 'test/multi-user/**/*.test.ts'],
          exclude: ['test/docker/leftovers.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          // The engine is shared with everything else on the machine: a test that fails is run once
          // more, and vitest reports it as flaky (retry x1) — read those as bugs to fix, not noise.
          retry: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...shared,
          name: 'sprite',
          include: ['test/sprite/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...shared,
          name: 'k8s',
          include: ['test/k8s/**/*.test.ts'],
          globalSetup: ['test/k8s/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          retry: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...shared,
          name: 'leftovers',
          include: ['test/docker/leftovers.test.ts'],
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
