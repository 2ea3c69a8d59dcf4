/**
 * Checks of a Workspace that its JSON Schema cannot express, run after the schema passed: the
 * repository's branch and base ref are names git accepts as such (not options, not `..`), the
 * build's paths stay inside the repository (context) and the context (Dockerfile), and no two port
 * declarations derive the same PortBinding name (the second would overwrite the first's binding on
 * every reconcile). Pure.
 */
import { isValidBranchName, revisionProblem } from '../git-names.ts';
import { derivedPortBindings, portBindingNameCollisions, type PortDeclarations } from '../port-binding-names.ts';
import type { SchemaIssue } from './ajv-messages.ts';
import { buildPathProblems } from './build-paths.ts';
import { formatFieldPath, isRecord, type PathSegment } from './field-path.ts';

/** Describes where a field is in the source (` (file:line:col)`), or '' when unknown. */
export type DescribePosition = (path: readonly PathSegment[]) => string;

/** The problems of a schema-valid Workspace `obj` beyond its schema. */
export function workspaceIssues(obj: Record<string, unknown>, describePosition: DescribePosition = () => ''): SchemaIssue[] {
  const spec = obj['spec'];
  if (!isRecord(spec)) return [];
  return [...repositoryIssues(spec), ...buildIssues(spec), ...portNameIssues(obj as unknown as PortDeclarations, describePosition)];
}

/** A branch git would refuse (or read as a path out of refs/heads), a base ref git would read as an option. */
function repositoryIssues(spec: Record<string, unknown>): SchemaIssue[] {
  const repository = spec['repository'];
  if (!isRecord(repository)) return [];
  const issues: SchemaIssue[] = [];
  const { branch, baseRef } = repository;
  if (typeof branch === 'string' && !isValidBranchName(branch)) {
    const path = ['spec', 'repository', 'branch'];
    issues.push({ path, message: `${JSON.stringify(branch)} is not a valid git branch name (see git check-ref-format: no "..", no component starting with "." or "-", no trailing "/", "." or ".lock")`, anchor: path, onKey: false });
  }
  const problem = typeof baseRef === 'string' ? revisionProblem(baseRef) : undefined;
  if (problem !== undefined) {
    const path = ['spec', 'repository', 'baseRef'];
    issues.push({ path, message: problem, anchor: path, onKey: false });
  }
  return issues;
}

function buildIssues(spec: Record<string, unknown>): SchemaIssue[] {
  const build = spec['build'];
  if (!isRecord(build)) return [];
  return buildPathProblems(build).map(({ field, message }) => {
    const path = ['spec', 'build', field];
    return { path, message, anchor: path, onKey: false };
  });
}

function portNameIssues(ws: PortDeclarations, describePosition: DescribePosition): SchemaIssue[] {
  return portBindingNameCollisions(derivedPortBindings(ws)).map(({ name, first, second }) => ({
    path: second.path,
    message: `derives the PortBinding name ${name}, as ${formatFieldPath(first.path)}${describePosition(first.path)} does; rename one of them`,
    anchor: second.path,
    onKey: second.from === 'port',
  }));
}
