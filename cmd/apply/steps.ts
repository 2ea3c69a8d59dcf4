/**
 * The steps of `boulder apply` once its sources are read, shared by the CLI's own path
 * (cmd/commands/apply.ts) and the daemon's control op `apply` (serve.ts): parse and validate every
 * document (nothing written when any is invalid), place the objects in their namespace, enforce
 * the node's limits, write them one by one printing each outcome, and with `--wait` follow them
 * until Ready. What differs between the two paths comes in as hooks: where the text goes, how the
 * limits are read, starting a daemon, and how the wait is shown.
 */
import type { ResourceClient } from '../../apis/client/types.ts';
import { ValidationError } from '../../apis/errors.ts';
import { kindByName } from '../../apis/kinds.ts';
import type { KubeObject } from '../../apis/meta.ts';
import type { ManifestSource } from '../../apis/validation/sources.ts';
import { applyObjects, type ApplyOutput } from '../apply-objects.ts';
import type { CliDeps } from '../command.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import type { FollowTarget } from '../progress/follow.ts';
import { reportError } from '../report-error.ts';
import { placeInNamespace } from './namespace.ts';

/** The exit code of an apply ended by Ctrl-C (or its client going away) while it was writing: 128 + SIGINT. */
export const APPLY_INTERRUPTED_EXIT_CODE = 130;

/** The flags of one apply. */
export interface ApplyPlan {
  /** `-n`. */
  namespace?: string | undefined;
  /** The kubeconfig context's namespace. */
  contextNamespace?: string | undefined;
  dryRun: boolean;
  output: ApplyOutput;
  /** `--wait`'s timeout; undefined without `--wait`. */
  waitTimeoutMs?: number | undefined;
}

/**
 * Parses, defaults and validates every document of `sources`, then places the objects (a
 * namespace contradicting `-n` throws its UsageError). When any document is invalid, prints each
 * problem (file:line:col: field.path: message) and the summary, and returns the exit code.
 */
export async function validatedObjects(io: Pick<CliDeps, 'stderr'>, sources: readonly ManifestSource[], cwd: string, plan: ApplyPlan): Promise<KubeObject[] | ExitCodeValue> {
  const { parseManifests } = await import('../../apis/validation/load.ts');
  try {
    return placeInNamespace(
      parseManifests(sources, cwd).map((m) => m.object),
      plan.namespace,
      plan.contextNamespace,
    );
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const code = reportError(err, io.stderr);
    io.stderr.write(`error: nothing was applied: ${err.issues.length} problem${err.issues.length === 1 ? '' : 's'} found\n`);
    return code;
  }
}

/** What the two paths do differently once the objects are valid. */
export interface ApplyHooks {
  /** Enforces the node's limits: the objects to write (owners stamped), or throws LimitExceededError. */
  limits(objects: KubeObject[]): Promise<KubeObject[]>;
  /** After the writes, when something was written (the CLI starts a daemon); an exit code fails the apply. */
  afterWrites?(): Promise<ExitCodeValue | undefined>;
  /** Stops the writes before the next object (the daemon: its client went away or was interrupted). */
  stop?: AbortSignal;
  /** `--wait`: follows the applied objects until Ready, showing progress; the first failure's exit code. */
  wait(targets: FollowTarget[], timeoutMs: number): Promise<ExitCodeValue | undefined>;
}

/** The objects `--wait` follows: every applied object of a known kind. */
export function waitTargets(applied: readonly KubeObject[]): FollowTarget[] {
  return applied.flatMap((obj) => {
    const kind = kindByName(obj.kind);
    return kind === undefined ? [] : [{ kind, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name }];
  });
}

/** Enforces the limits, writes every object printing its outcome, and waits when asked; the exit code. */
export async function writeAndWait(io: Pick<CliDeps, 'stdout' | 'stderr'>, client: ResourceClient, valid: KubeObject[], plan: ApplyPlan, hooks: ApplyHooks): Promise<ExitCodeValue> {
  const objects = await hooks.limits(valid);
  const written = await applyObjects(io, client, objects, { dryRun: plan.dryRun, output: plan.output, ...(hooks.stop === undefined ? {} : { stop: hooks.stop }) });
  if (written.stopped === true) return APPLY_INTERRUPTED_EXIT_CODE as ExitCodeValue;
  let failed = written.failed;
  if (!plan.dryRun && written.applied.length > 0) failed ??= await hooks.afterWrites?.();
  if (plan.waitTimeoutMs !== undefined && !plan.dryRun && failed === undefined) failed = await hooks.wait(waitTargets(written.applied), plan.waitTimeoutMs);
  return failed ?? ExitCode.Ok;
}
