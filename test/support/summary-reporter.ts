/**
 * Vitest reporter that ends every run with one plain line, `Tests: N passed, N failed, N skipped`,
 * which CI and humans read as the verdict. Counts test cases across all modules; a module that
 * failed to load counts as one failed test, so a broken import never reads as a green run.
 */
import type { Reporter, TestModule } from 'vitest/node';

/** Prints the closing summary line after the run. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const mod of testModules) {
      if (mod.errors().length > 0) failed += 1;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
    }
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
