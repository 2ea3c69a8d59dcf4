/**
 * Test code does not ship (issue 12, item 7). What the npm package contains is decided by two
 * things, and both are checked here: `files` in package.json (asked of `npm pack --dry-run --json`,
 * which applies it) and the modules `npm run build` compiles into dist/ (asked of tsc itself with
 * tsconfig.build.json and `--listFilesOnly`, so a stale dist/ cannot hide or invent anything).
 * Every compiled module must be production code: none imports vitest or any package that is not a
 * runtime dependency, none is a test helper, and each one is reachable from the CLI's entry point,
 * a public index, or generated code — a module only tests import is a test helper in disguise.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { importsOf, type ImportEdge } from './import-graph.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[]; dependencies: Record<string, string> };

/** A path that names test code: a test, a test helper, a test tree or the store conformance suite. */
const TEST_CODE = /(^|\/)(test|tests|__tests__)\/|\.test\.[cm]?[jt]s$|(^|\/)(testing|test-[^/]*|[^/]*-test-support|conformance)(\.[cm]?[jt]s|\/)|(^|\/)test-support\.[jt]s$/;

/** The source files (relative to the root) that `npm run build` compiles into dist/ (asked once). */
let built: Promise<string[]> | undefined;
function builtSources(): Promise<string[]> {
  built ??= listBuiltSources();
  return built;
}

async function listBuiltSources(): Promise<string[]> {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const { stdout } = await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], { cwd: ROOT, maxBuffer: 16 << 20 });
  return stdout
    .split('\n')
    .filter((line) => line !== '' && !line.includes('/node_modules/'))
    .map((line) => relative(ROOT, line))
    .filter((file) => !file.endsWith('.d.ts'));
}

/** The bare module specifiers (packages) a source file imports, type-only imports excluded. */
function packagesImported(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ESNext, false);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    let specifier: ts.Expression | undefined;
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) specifier = node.moduleSpecifier;
    else if (ts.isExportDeclaration(node) && !node.isTypeOnly) specifier = node.moduleSpecifier;
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) specifier = node.arguments[0];
    if (specifier && ts.isStringLiteralLike(specifier) && !specifier.text.startsWith('.')) out.push(specifier.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

describe('what the npm package ships', () => {
  it('npm pack applies `files`: bin, dist, schemas and manifests only — no test tree, no test file', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 64 << 20 });
    const [report] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
    const paths = (report?.files ?? []).map((f) => f.path);
    expect(paths).toContain('package.json');
    expect(paths).toContain('bin/boulder.js');
    const allowed = new Set(['bin', 'dist', 'schemas', 'manifests']);
    const outside = paths.filter((p) => p.includes('/') && !allowed.has(p.split('/')[0] as string));
    expect(outside).toEqual([]);
    expect(paths.filter((p) => !p.startsWith('dist/') && TEST_CODE.test(p))).toEqual([]);
    expect(PACKAGE.files).not.toContain('test');
  });

  it('the build compiles no test, no test helper and nothing that imports vitest or a dev-only package', async () => {
    const sources = await builtSources();
    expect(sources).toContain('cmd/main.ts');
    expect(sources.filter((file) => TEST_CODE.test(file))).toEqual([]);
    const runtime = new Set([...Object.keys(PACKAGE.dependencies), ...builtinModules]);
    const offending = sources.flatMap((file) =>
      packagesImported(file)
        .filter((specifier) => !specifier.startsWith('node:') && !runtime.has(packageName(specifier)))
        .map((specifier) => `${file} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it('every compiled module is reachable from the CLI, a public index or generated code (none is imported by tests only)', async () => {
    const sources = (await builtSources()).filter((file) => file.endsWith('.ts'));
    const compiled = new Set(sources);
    const edges = new Map<string, ImportEdge[]>(sources.map((file) => [file, importsOf(ROOT, file)]));
    const roots = sources.filter((file) => file === 'cmd/main.ts' || file.endsWith('/index.ts') || file.includes('/generated/'));
    const reached = new Set<string>();
    const todo = [...roots];
    while (todo.length > 0) {
      const file = todo.pop() as string;
      if (reached.has(file)) continue;
      reached.add(file);
      for (const edge of edges.get(file) ?? []) {
        expect(compiled.has(edge.to), `${file} imports ${edge.to}, which the build does not compile`).toBe(true);
        todo.push(edge.to);
      }
    }
    expect(sources.filter((file) => !reached.has(file))).toEqual([]);
  });
});
