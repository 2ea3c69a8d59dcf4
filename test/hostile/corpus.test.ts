/**
 * Walks the hostile-input corpus (test/fixtures/hostile/): each case runs through its category's
 * runner, which asserts the expected error and that nothing outside the case's own objects changed.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCorpus, type HostileRunner } from './corpus.ts';

const corpus = loadCorpus();

describe('hostile-input corpus', () => {
  it('holds at least 60 cases, each category with a runner', () => {
    const total = [...corpus.values()].reduce((n, cases) => n + cases.length, 0);
    expect(total).toBeGreaterThanOrEqual(60);
    for (const category of corpus.keys()) {
      expect(existsSync(new URL(`./runners/${category}.ts`, import.meta.url)), `runner for ${category}`).toBe(true);
    }
  });

  for (const [category, cases] of corpus) {
    describe(category, () => {
      for (const hostileCase of cases) {
        it(`${hostileCase.name}: ${hostileCase.description}`, async () => {
          const runner = (await import(`./runners/${category}.ts`)) as HostileRunner;
          await runner.run(hostileCase);
        });
      }
    });
  }
});
