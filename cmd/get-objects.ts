/**
 * Listing, showing and watching objects as `boulder get` does (kubectl-style table, YAML, JSON or
 * names); shared by `boulder get` and `boulder workspace list`.
 */
import type { ResourceClient } from '../apis/client/types.ts';
import { isErrorCode } from '../apis/errors.ts';
import type { KindInfo } from '../apis/kinds.ts';
import type { KubeObject } from '../apis/meta.ts';
import { notFoundError } from '../apis/kinds.ts';
import type { CliDeps } from './command.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { tableRows } from './print/columns.ts';
import { formatObjects, objectName, toJson, toYaml } from './print/objects.ts';
import { columnWidths, formatRow, formatTable } from './print/table.ts';
import { reportError } from './report-error.ts';

/** The formats of `-o` for get and `workspace list`. */
export const GET_OUTPUTS = ['wide', 'yaml', 'json', 'name'] as const;
type Output = (typeof GET_OUTPUTS)[number] | undefined;

/** What to print and how (parsed from the flags). */
export interface GetRequest {
  kind: KindInfo;
  names: string[];
  output: Output;
  namespace: string | undefined;
  labelSelector: string | undefined;
  watch: boolean;
  ignoreNotFound: boolean;
}

/** No-resources message like kubectl's. */
export function noResourcesMessage(namespace: string | undefined): string {
  return namespace === undefined ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`;
}

/** Formats objects for the requested output (table, wide, yaml, json, name). */
export async function renderObjects(objects: readonly KubeObject[], req: GetRequest, nowMs: number, single: boolean): Promise<string> {
  if (req.output === 'yaml' || req.output === 'json' || req.output === 'name') return formatObjects(objects, req.output, single);
  const { headers, rows } = tableRows(req.kind.kind, objects, { wide: req.output === 'wide', withNamespace: req.namespace === undefined, nowMs });
  return formatTable(headers, rows);
}

async function fetchNamed(client: ResourceClient, req: GetRequest, deps: CliDeps): Promise<{ objects: KubeObject[]; failed: ExitCodeValue | undefined }> {
  const objects: KubeObject[] = [];
  let failed: ExitCodeValue | undefined;
  for (const name of req.names) {
    try {
      objects.push(await client.get(req.kind.kind, req.namespace as string, name));
    } catch (err) {
      if (!isErrorCode(err, 'NotFound')) throw err;
      if (req.ignoreNotFound) continue;
      failed ??= reportError(notFoundError(req.kind, name, err), deps.stderr);
    }
  }
  return { objects, failed };
}

/** Prints one object as its own document (watch output of the machine formats). */
async function writeDocument(deps: CliDeps, obj: KubeObject, output: 'yaml' | 'json' | 'name', first: boolean): Promise<void> {
  if (output === 'name') deps.stdout.write(`${objectName(obj)}\n`);
  else if (output === 'json') deps.stdout.write(toJson(obj));
  else deps.stdout.write(`${first ? '' : '---\n'}${await toYaml(obj)}`);
}

/**
 * `--watch`: prints the current objects, then one row (or document) per change after
 * `resourceVersion`, until interrupted.
 */
async function watchObjects(client: ResourceClient, req: GetRequest, deps: CliDeps, resourceVersion: string, initial: readonly KubeObject[]): Promise<void> {
  const signal = deps.interruptSignal();
  const nowMs = (): number => deps.clock.now().getTime();
  const machine = req.output === 'yaml' || req.output === 'json' || req.output === 'name' ? req.output : undefined;
  const rowsOf = (objects: readonly KubeObject[]): { headers: string[]; rows: string[][] } =>
    tableRows(req.kind.kind, objects, { wide: req.output === 'wide', withNamespace: req.namespace === undefined, nowMs: nowMs() });
  let widths: number[] | undefined;
  let printed = 0;
  if (machine !== undefined) {
    for (const obj of initial) await writeDocument(deps, obj, machine, printed++ === 0);
  } else if (initial.length > 0) {
    const { headers, rows } = rowsOf(initial);
    widths = columnWidths(headers, rows);
    deps.stdout.write(formatTable(headers, rows));
  } else {
    deps.stderr.write(noResourcesMessage(req.namespace));
  }
  const events = client.watch(req.kind.kind, { namespace: req.namespace, labelSelector: req.labelSelector, resourceVersion, signal });
  for await (const event of events) {
    const obj = event.object;
    if (req.names.length > 0 && !req.names.includes(obj.metadata.name)) continue;
    if (machine !== undefined) {
      await writeDocument(deps, obj, machine, printed++ === 0);
      continue;
    }
    const { headers, rows } = rowsOf([obj]);
    if (widths === undefined) {
      widths = columnWidths(headers, rows);
      deps.stdout.write(formatRow(headers, widths));
    }
    deps.stdout.write(formatRow(rows[0] as string[], widths));
  }
}

/** Runs a parsed get request. */
export async function runGet(deps: CliDeps, req: GetRequest): Promise<ExitCodeValue> {
  const client = await deps.openClient();
  try {
    let objects: KubeObject[];
    let failed: ExitCodeValue | undefined;
    let resourceVersion: string | undefined;
    if (req.names.length > 0 && !req.watch) {
      ({ objects, failed } = await fetchNamed(client, req, deps));
    } else {
      const list = await client.list(req.kind.kind, { namespace: req.namespace, labelSelector: req.labelSelector });
      objects = req.names.length === 0 ? list.items : list.items.filter((o) => req.names.includes(o.metadata.name));
      resourceVersion = list.resourceVersion;
      if (req.watch && !req.ignoreNotFound) {
        for (const name of req.names.filter((n) => !objects.some((o) => o.metadata.name === n))) {
          failed ??= reportError(notFoundError(req.kind, name), deps.stderr);
        }
        if (failed !== undefined) return failed;
      }
    }
    if (req.watch && resourceVersion !== undefined) {
      await watchObjects(client, req, deps, resourceVersion, objects);
      return failed ?? ExitCode.Ok;
    }
    const nowMs = deps.clock.now().getTime();
    if (objects.length > 0) {
      deps.stdout.write(await renderObjects(objects, req, nowMs, req.names.length === 1));
    } else if (req.names.length === 0) {
      // Like kubectl: an empty List for machine formats, a note on stderr otherwise.
      if (req.output === 'yaml' || req.output === 'json') deps.stdout.write(await renderObjects(objects, req, nowMs, false));
      else deps.stderr.write(noResourcesMessage(req.namespace));
    }
    return failed ?? ExitCode.Ok;
  } finally {
    await client.close();
  }
}
