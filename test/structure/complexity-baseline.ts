/**
 * Regenerates eslint-complexity-baseline.json (`npm run lint:complexity-baseline`): lints the tree
 * with ESLint's core `complexity` rule at COMPLEXITY_MAX (the project's config otherwise) and
 * records every function above it with its score as its ceiling. Run it after simplifying functions
 * (the list shrinks) or after a merge; never to let a new or worsened function through — review the
 * diff of the baseline like code.
 */
import { writeFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { BASELINE_FILE, COMPLEXITY_MAX, formatBaseline, type ComplexityBaseline } from './complexity-ratchet.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MESSAGE = /^(.*) has a complexity of (\d+)\. Maximum allowed is \d+\.$/;

/** Every function above the limit in the tree, by file and name. */
export async function measureComplexity(): Promise<ComplexityBaseline> {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: { rules: { 'boulder/complexity': 'off', complexity: ['error', COMPLEXITY_MAX] } },
    ruleFilter: ({ ruleId }) => ruleId === 'complexity',
  });
  const baseline: ComplexityBaseline = {};
  for (const result of await eslint.lintFiles(['.'])) {
    const file = relative(ROOT, result.filePath).split(sep).join('/');
    for (const message of result.messages) {
      if (message.ruleId !== 'complexity') {
        if (message.fatal === true) throw new Error(`${file}:${message.line}: ${message.message}`);
        continue;
      }
      const match = MESSAGE.exec(message.message);
      if (match === null) throw new Error(`${file}:${message.line}: unexpected complexity message: ${message.message}`);
      const byName = (baseline[file] ??= {});
      (byName[match[1] as string] ??= []).push(Number(match[2]));
    }
  }
  return baseline;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const baseline = await measureComplexity();
  writeFileSync(BASELINE_FILE, formatBaseline(baseline));
  const count = Object.values(baseline).reduce((n, byName) => n + Object.values(byName).reduce((m, list) => m + list.length, 0), 0);
  process.stdout.write(`${relative(ROOT, BASELINE_FILE)}: ${count} function(s) above ${COMPLEXITY_MAX} in ${Object.keys(baseline).length} file(s)\n`);
}
