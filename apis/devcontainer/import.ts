/**
 * devcontainer.json → project configuration (`.nexus/config.yaml`). Pure: the parsed document and
 * where it is in, the configuration and the list of what could not be mapped out. The mapping of
 * each group of properties is in its own module; the README of `boulder import devcontainer`
 * documents the table.
 */
import type { ProjectConfig, ProjectScripts } from '../types/index.ts';
import { mapImage } from './build.ts';
import { lifecycleScript, sequence } from './commands.ts';
import { EnvCollector } from './env.ts';
import { mapMounts } from './mounts.ts';
import { mapPorts } from './ports.ts';
import { HANDLED, IGNORED, UNKNOWN_REASON, UNMAPPED_REASONS } from './properties.ts';
import { cpuQuantity, dockerSizeToQuantity } from './quantity.ts';
import { mapRunArgs, type RunArgsResult } from './run-args.ts';
import type { DevcontainerImport, DevcontainerLocation, UnmappedItem } from './types.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The lifecycle commands that run once after the container is created, in the order they run. */
const CREATE_COMMANDS = ['onCreateCommand', 'updateContentCommand', 'postCreateCommand'] as const;

/** scripts.pre_start (the create commands, one after another) and scripts.post_start (postStartCommand). */
function mapScripts(doc: Record<string, unknown>): { scripts: ProjectScripts; unmapped: UnmappedItem[] } {
  const unmapped: UnmappedItem[] = [];
  const scriptOf = (key: string): string | undefined => {
    if (doc[key] === undefined) return undefined;
    const result = lifecycleScript(doc[key]);
    if ('problem' in result) {
      unmapped.push({ key, reason: result.problem });
      return undefined;
    }
    if (result.sequential) unmapped.push({ key: `${key} (parallel commands)`, reason: 'the named commands run one after another, not in parallel' });
    return result.script;
  };
  const scripts: ProjectScripts = {};
  const create = CREATE_COMMANDS.map(scriptOf).filter((s): s is string => s !== undefined);
  if (create.length > 0) scripts.pre_start = sequence(create);
  const start = scriptOf('postStartCommand');
  if (start !== undefined) scripts.post_start = start;
  return { scripts, unmapped };
}

/** resources from hostRequirements (minimums) and runArgs (limits; these win). */
function mapHostRequirements(value: unknown, unmapped: UnmappedItem[]): { cpu?: string; memory?: string; storage?: string } {
  const out: { cpu?: string; memory?: string; storage?: string } = {};
  if (!isRecord(value)) {
    unmapped.push({ key: 'hostRequirements', reason: 'must be an object' });
    return out;
  }
  for (const [key, raw] of Object.entries(value)) {
    const mapped = key === 'cpus' ? cpuQuantity(raw) : key === 'memory' || key === 'storage' ? (typeof raw === 'string' ? dockerSizeToQuantity(raw) : undefined) : undefined;
    if (mapped !== undefined) out[key === 'cpus' ? 'cpu' : (key as 'memory' | 'storage')] = mapped;
    else if (key === 'gpu') unmapped.push({ key: 'hostRequirements.gpu', reason: 'GPUs are not configurable in a Workspace' });
    else unmapped.push({ key: `hostRequirements.${key}`, reason: ['cpus', 'memory', 'storage'].includes(key) ? `${JSON.stringify(raw)} is not a size boulder understands` : UNKNOWN_REASON });
  }
  return out;
}

/** The top-level property an unmapped key belongs to: `runArgs[2] (…)` → `runArgs`. */
function topLevel(key: string): string {
  return /^[^.[ ]+/.exec(key)?.[0] ?? key;
}

/**
 * Maps a parsed devcontainer.json (see the module comment). The result's config has only keys
 * that were set; `unmapped` is in the order of the document's properties.
 */
export function importDevcontainer(document: unknown, where: DevcontainerLocation): DevcontainerImport {
  if (!isRecord(document)) return { config: {}, unmapped: [{ key: '(document)', reason: 'must be a JSON object' }] };
  const doc = document;
  const unmapped: UnmappedItem[] = [];
  const image = mapImage(doc, where);
  const ports = mapPorts(doc);
  const env = new EnvCollector();
  const runArgs: RunArgsResult = doc['runArgs'] === undefined ? { unmapped: [] } : mapRunArgs(doc['runArgs'], env);
  if (doc['containerEnv'] !== undefined) env.addAll('containerEnv', doc['containerEnv']);
  if (doc['remoteEnv'] !== undefined) env.addAll('remoteEnv', doc['remoteEnv']);
  const scripts = mapScripts(doc);
  const requirements = doc['hostRequirements'] === undefined ? {} : mapHostRequirements(doc['hostRequirements'], unmapped);
  unmapped.push(...image.unmapped, ...ports.unmapped, ...runArgs.unmapped, ...env.unmapped, ...scripts.unmapped, ...mapMounts(doc));
  for (const key of Object.keys(doc)) {
    if (HANDLED.includes(key) || IGNORED.includes(key)) continue;
    unmapped.push({ key, reason: UNMAPPED_REASONS[key] ?? UNKNOWN_REASON });
  }

  const resources = {
    ...requirements,
    ...(runArgs.cpu === undefined ? {} : { cpu: runArgs.cpu }),
    ...(runArgs.memory === undefined ? {} : { memory: runArgs.memory }),
  };
  const config: ProjectConfig = {};
  if (image.config.workspace !== undefined) config.workspace = image.config.workspace;
  if (ports.config.ports !== undefined) config.ports = ports.config.ports;
  if (Object.keys(env.env).length > 0) config.env = env.env;
  if (Object.keys(scripts.scripts).length > 0) config.scripts = scripts.scripts;
  if (Object.keys(resources).length > 0) config.resources = resources;
  if (Object.keys(env.secrets).length > 0) config.secrets = env.secrets;

  const order = Object.keys(doc);
  const rank = (item: UnmappedItem): number => {
    const index = order.indexOf(topLevel(item.key));
    return index < 0 ? order.length : index;
  };
  return { config, unmapped: unmapped.map((item, i) => ({ item, i })).sort((a, b) => rank(a.item) - rank(b.item) || a.i - b.i).map(({ item }) => item) };
}
