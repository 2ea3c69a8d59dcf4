/**
 * Applying validated objects one by one, the way `boulder apply` and `boulder up` both do: each
 * object's outcome printed as it is applied, a failure reported and the rest still tried (except
 * when the store is unavailable), and with `-o yaml|json` the stored objects printed at the end.
 */
import type { ResourceClient } from '../apis/client/types.ts';
import type { KubeObject } from '../apis/meta.ts';
import type { CliDeps } from './command.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { formatObjects, objectName } from './print/objects.ts';
import { reportError } from './report-error.ts';

/** Output of the applied objects: outcome lines (default), names, or the stored objects. */
export type ApplyOutput = 'name' | 'yaml' | 'json' | undefined;

/** What applyObjects did: the stored objects, and the exit code of the first failure. */
export interface AppliedObjects {
  applied: KubeObject[];
  failed: ExitCodeValue | undefined;
  /** `stop` aborted before every object was applied (nothing printed for the rest). */
  stopped?: true;
}

/**
 * Applies every object in order, printing each outcome; a failure is reported and the rest still
 * tried. `stop` (the daemon's: its client went away) ends the writes before the next object.
 */
export async function applyObjects(
  deps: Pick<CliDeps, 'stdout' | 'stderr'>,
  client: ResourceClient,
  objects: readonly KubeObject[],
  options: { dryRun?: boolean; output: ApplyOutput; stop?: AbortSignal },
): Promise<AppliedObjects> {
  const dryRun = options.dryRun === true;
  const applied: KubeObject[] = [];
  let failed: ExitCodeValue | undefined;
  for (const obj of objects) {
    if (options.stop?.aborted === true) return { applied, failed, stopped: true };
    try {
      const result = await client.apply(obj, options.dryRun === undefined ? { fieldManager: 'boulder' } : { dryRun, fieldManager: 'boulder' });
      applied.push(result.object);
      const line = outcomeLine(result.object, result.outcome, options.output, dryRun);
      if (line !== undefined) deps.stdout.write(line);
    } catch (err) {
      failed ??= reportError(err, deps.stderr);
      if (failed === ExitCode.Unavailable) break;
    }
  }
  if (options.output === 'yaml' || options.output === 'json') deps.stdout.write(await formatObjects(applied, options.output, applied.length === 1));
  return { applied, failed };
}

/** The line printed for one applied object: its name (`-o name`), its outcome (default), or none (`-o yaml|json`). */
function outcomeLine(obj: KubeObject, outcome: string, output: ApplyOutput, dryRun: boolean): string | undefined {
  if (output === 'name') return `${objectName(obj)}\n`;
  if (output === undefined) return `${objectName(obj)} ${outcome}${dryRun ? ' (dry run)' : ''}\n`;
  return undefined;
}
