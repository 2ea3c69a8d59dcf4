/**
 * How `boulder up` applies what it rendered, the way `boulder apply` applies manifests: every
 * object validated first (nothing written when one is invalid), the node's limits enforced, each
 * object applied with its outcome printed, a daemon started, and with `--wait` the workspace
 * followed until Ready. Secret values are materialized only once nothing can refuse the workspace.
 */
import { ValidationError, type FieldIssue } from '../../apis/errors.ts';
import { kindByName, type KindInfo } from '../../apis/kinds.ts';
import type { KubeObject } from '../../apis/meta.ts';
import type { SecretReference, Workspace } from '../../apis/types/index.ts';
import type { CliDeps } from '../command.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { applyObjects, type ApplyOutput } from '../apply-objects.ts';

/** Options of applyRendered. */
export interface ApplyRenderedOptions {
  output: ApplyOutput;
  wait: boolean;
  timeoutMs: number;
  noDaemon: boolean;
  /** Materializes the workspace's secrets (called after validation and limits, before writing). */
  materializeSecrets(): Promise<SecretReference[]>;
}

/** Every problem of every rendered object (admission: defaults + schema), or nothing. */
export async function renderedObjectIssues(objects: readonly KubeObject[]): Promise<FieldIssue[]> {
  const { admitObject } = await import('../../apis/validation/admit.ts');
  const issues: FieldIssue[] = [];
  for (const obj of objects) {
    try {
      admitObject(obj);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      issues.push(...err.issues.map((issue) => ({ ...issue, file: `rendered ${obj.kind}/${obj.metadata.name}` })));
    }
  }
  return issues;
}

function withSecrets(obj: KubeObject, secrets: SecretReference[]): KubeObject {
  if (obj.kind !== 'Workspace') return obj;
  const ws = obj as Workspace;
  const spec = { ...ws.spec };
  if (secrets.length > 0) spec.secrets = secrets;
  else delete spec.secrets;
  return { ...ws, spec };
}

/** Applies rendered objects (see the module comment); returns the exit code. */
export async function applyRendered(deps: CliDeps, rendered: readonly KubeObject[], options: ApplyRenderedOptions): Promise<ExitCodeValue> {
  const issues = await renderedObjectIssues(rendered);
  if (issues.length > 0) throw new ValidationError(issues);
  const client = await deps.openClient();
  try {
    const { enforceNodeLimits } = await import('../../apis/config/limits.ts');
    // On a multi-user node the daemon stamps the owner and enforces the limits itself.
    const limited = deps.nodeApi === undefined ? await enforceNodeLimits(client, rendered, { env: deps.env, cwd: deps.cwd }) : [...rendered];
    const secrets = await options.materializeSecrets();
    const { applied, failed: applyFailed } = await applyObjects(deps, client, limited.map((obj) => withSecrets(obj, secrets)), { output: options.output });
    let failed = applyFailed;
    if (!options.noDaemon && applied.length > 0) {
      const { startDaemon } = await import('../daemon/start.ts');
      failed ??= await startDaemon(deps);
    }
    if (options.wait && failed === undefined) {
      const kind = kindByName('Workspace') as KindInfo;
      const targets = applied.filter((o) => o.kind === 'Workspace').map((o) => ({ kind, namespace: o.metadata.namespace ?? 'default', name: o.metadata.name }));
      const { waitWithProgress } = await import('../progress/wait.ts');
      failed = await waitWithProgress(deps, client, targets, { timeoutMs: options.timeoutMs });
    }
    return failed ?? ExitCode.Ok;
  } finally {
    await client.close();
  }
}
