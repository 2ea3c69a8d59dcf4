/**
 * The complexity ratchet (issue 12, item 9): ESLint's own `complexity` rule at COMPLEXITY_MAX, with
 * a committed baseline (eslint-complexity-baseline.json) holding, for each function over the limit
 * today, its current score as its ceiling. A function over the limit that is not in the baseline,
 * or that got more complex than its ceiling, fails lint; a function brought under the limit simply
 * drops out when the baseline is regenerated (`npm run lint:complexity-baseline`), so the list only
 * shrinks.
 *
 * Functions are keyed by file and by the name ESLint gives them (`Async function 'run'`, `Method
 * 'converge'`, `Arrow function`), not by line, so edits elsewhere in a file do not disturb the
 * baseline. Several functions of one file with the same name are compared as sorted lists: the
 * n-th most complex must stay within the n-th highest ceiling, and there may be no more of them.
 */
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Rule } from 'eslint';
import { builtinRules } from 'eslint/use-at-your-own-risk';

/** The limit: a function scoring above it must be in the baseline. */
export const COMPLEXITY_MAX = 12;

/** The baseline file, at the repository root. */
export const BASELINE_FILE = fileURLToPath(new URL('../../eslint-complexity-baseline.json', import.meta.url));

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** File (relative, `/`-separated) → function name → the ceilings of the functions of that name, highest first. */
export type ComplexityBaseline = Record<string, Record<string, number[]>>;

/** The baseline file's shape. */
interface BaselineFile {
  max: number;
  functions: ComplexityBaseline;
}

/** Reads the committed baseline (empty when there is none yet). */
export function readBaseline(file = BASELINE_FILE): ComplexityBaseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const parsed = JSON.parse(text) as BaselineFile;
  if (parsed.max !== COMPLEXITY_MAX) throw new Error(`${file} was made for a limit of ${parsed.max}, not ${COMPLEXITY_MAX}: regenerate it`);
  return parsed.functions;
}

/** The JSON text of a baseline (sorted, so regenerating it gives a minimal diff). */
export function formatBaseline(functions: ComplexityBaseline): string {
  const sorted: ComplexityBaseline = {};
  for (const file of Object.keys(functions).sort()) {
    const names = functions[file] ?? {};
    sorted[file] = Object.fromEntries(Object.keys(names).sort().map((name) => [name, [...(names[name] ?? [])].sort((a, b) => b - a)]));
  }
  // One line per function name: `"Async method 'run'": [27, 14]`.
  const text = JSON.stringify({ max: COMPLEXITY_MAX, functions: sorted } satisfies BaselineFile, null, 2);
  return `${text.replace(/\[\s+([\d,\s]*?)\s+\]/g, (_all, numbers: string) => `[${numbers.split(/,\s*/).join(', ')}]`)}\n`;
}

/** One function over the limit, as the core rule reports it. */
interface Finding {
  descriptor: Rule.ReportDescriptor;
  name: string;
  complexity: number;
}

/** The findings the baseline does not allow, each with why. */
export function judge(findings: readonly { name: string; complexity: number }[], allowed: Readonly<Record<string, readonly number[]>>): { index: number; ceiling: number | undefined }[] {
  const out: { index: number; ceiling: number | undefined }[] = [];
  const byName = new Map<string, number[]>();
  findings.forEach((f, index) => byName.set(f.name, [...(byName.get(f.name) ?? []), index]));
  for (const [name, indexes] of byName) {
    const ceilings = [...(allowed[name] ?? [])].sort((a, b) => b - a);
    const ranked = [...indexes].sort((a, b) => (findings[b]?.complexity ?? 0) - (findings[a]?.complexity ?? 0));
    ranked.forEach((index, rank) => {
      const ceiling = ceilings[rank];
      if (ceiling === undefined || (findings[index]?.complexity ?? 0) > ceiling) out.push({ index, ceiling });
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** Makes the ratchet rule over a baseline (the committed one by default). */
export function complexityRatchetRule(baseline: () => ComplexityBaseline = lazyBaseline()): Rule.RuleModule {
  const core = builtinRules.get('complexity');
  if (core === undefined) throw new Error('ESLint has no complexity rule');
  return {
    meta: {
      type: 'suggestion',
      docs: { description: `complexity at most ${COMPLEXITY_MAX}, except the functions of eslint-complexity-baseline.json within their ceilings` },
      schema: [],
      messages: {
        new: '{{name}} has a complexity of {{complexity}}. Maximum allowed is {{max}} (it is not in eslint-complexity-baseline.json: split it up).',
        worse: '{{name}} has a complexity of {{complexity}}, above its ceiling of {{ceiling}} in eslint-complexity-baseline.json: simplify it, do not raise the ceiling.',
      },
    },
    create(context) {
      const findings: Finding[] = [];
      const inner = {
        sourceCode: context.sourceCode,
        options: [COMPLEXITY_MAX],
        report(descriptor: Rule.ReportDescriptor) {
          const data = (descriptor as { data?: { name?: unknown; complexity?: unknown } }).data ?? {};
          findings.push({ descriptor, name: String(data.name), complexity: Number(data.complexity) });
        },
      } as unknown as Rule.RuleContext;
      const visitor = core.create(inner) as Rule.RuleListener & {
        onCodePathEnd?: (codePath: Rule.CodePath, node: Rule.Node) => void;
      };
      const file = relative(ROOT, context.filename).split(sep).join('/');
      return {
        ...visitor,
        onCodePathEnd(codePath: Rule.CodePath, node: Rule.Node) {
          visitor.onCodePathEnd?.(codePath, node);
          if (codePath.origin !== 'program') return;
          for (const { index, ceiling } of judge(findings, baseline()[file] ?? {})) {
            const finding = findings[index] as Finding;
            const { node: at, loc } = finding.descriptor as unknown as { node?: Rule.Node; loc?: Rule.ReportDescriptorLocation };
            const data = { name: finding.name, complexity: String(finding.complexity), max: String(COMPLEXITY_MAX), ceiling: String(ceiling) };
            const messageId = ceiling === undefined ? 'new' : 'worse';
            context.report(loc !== undefined ? { loc: loc as never, messageId, data } : { node: at as Rule.Node, messageId, data });
          }
        },
      };
    },
  };
}

function lazyBaseline(): () => ComplexityBaseline {
  let cached: ComplexityBaseline | undefined;
  return () => (cached ??= readBaseline());
}

/** The ESLint plugin eslint.config.js registers as `boulder`. */
export const complexityRatchetPlugin = { rules: { complexity: complexityRatchetRule() } };
