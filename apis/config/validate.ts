/**
 * Checks of the merged configuration that a schema cannot express: port ranges inside the allowed
 * ports and clear of reserved ones, resources within the node's limits, backend settings that fit
 * the backend, durations longer than zero, and ports and services complete after merging. Pure:
 * every problem is placed at the origin of the value that causes it.
 */
import { parseCpu, parseMemory } from '../resources/quantity.ts';
import { RESOURCE_CLASSES } from '../resources/classes.ts';
import type { FieldIssue } from '../errors.ts';
import { isRecord } from '../validation/field-path.ts';
import { buildPathProblems } from '../validation/build-paths.ts';
import { derivedPortBindings, portBindingNameCollisions } from '../port-binding-names.ts';
import { parseConfigDuration } from '../duration.ts';
import type { EffectiveConfig } from './effective.ts';
import { describeOrigin, issueAtOrigin } from './origin.ts';
import { RESERVED_PORTS, formatPortRange, portRangeProblems, type PortSpan } from './port-plan.ts';
import type { EffectiveEntry, ValueOrigin } from './types.ts';
import { defaultBackend } from '../defaulted.ts';

/** Errors (the configuration cannot be used) and warnings (it can, but something looks wrong). */
export interface CheckResult {
  errors: FieldIssue[];
  warnings: FieldIssue[];
}

/** The effective origin and every origin it overrode, for each entry with `key`. */
function allOrigins(config: EffectiveConfig, key: string): ValueOrigin[] {
  const entry = config.entry(key);
  return entry === undefined ? [] : [...entry.overridden.filter((o) => o.key === key), entry.origin];
}

function checkPortRanges(config: EffectiveConfig, errors: FieldIssue[]): void {
  for (const origin of allOrigins(config, 'port_range')) {
    const range = origin.value as PortSpan;
    for (const problem of portRangeProblems(range)) errors.push(issueAtOrigin(origin, problem));
  }
}

function checkDurations(config: EffectiveConfig, errors: FieldIssue[]): void {
  for (const origin of allOrigins(config, 'workspace.idle_timeout')) {
    if (parseConfigDuration(String(origin.value)) === 0) errors.push(issueAtOrigin(origin, `${String(origin.value)} must be longer than zero; write 0 or never to turn idle pausing off`));
  }
}

function checkResourcesWithinLimits(config: EffectiveConfig, errors: FieldIssue[]): void {
  const limits = config.limits;
  const resources = config.values.resources ?? {};
  const fromClass = resources.class === undefined ? undefined : RESOURCE_CLASSES[resources.class];
  const cpuEntry = config.entry('resources.cpu') ?? config.entry('resources.class');
  const memoryEntry = config.entry('resources.memory') ?? config.entry('resources.class');
  const maxCpu = config.entry('limits.max_cpu');
  const maxMemory = config.entry('limits.max_memory');
  const cpuText = resources.cpu ?? (fromClass === undefined ? undefined : String(fromClass.cpus));
  const memoryText = resources.memory ?? fromClass?.memory;
  if (cpuText !== undefined && limits.max_cpu !== undefined && cpuEntry !== undefined && maxCpu !== undefined) {
    const cpu = parseCpu(cpuText);
    const max = parseCpu(limits.max_cpu);
    if (cpu !== undefined && max !== undefined && cpu > max) {
      errors.push(issueAtOrigin(cpuEntry.origin, `${describeAsked(cpuEntry, `cpu ${cpuText}`)} exceeds the node's max_cpu ${limits.max_cpu} (${describeOrigin(maxCpu.origin)})`));
    }
  }
  if (memoryText !== undefined && limits.max_memory !== undefined && memoryEntry !== undefined && maxMemory !== undefined) {
    const memory = parseMemory(memoryText);
    const max = parseMemory(limits.max_memory);
    if (memory !== undefined && max !== undefined && memory > max) {
      errors.push(issueAtOrigin(memoryEntry.origin, `${describeAsked(memoryEntry, `memory ${memoryText}`)} exceeds the node's max_memory ${limits.max_memory} (${describeOrigin(maxMemory.origin)})`));
    }
  }
}

/** `memory 8Gi` or, when it comes from a class, `class large (memory 8Gi)`. */
function describeAsked(entry: EffectiveEntry, asked: string): string {
  return entry.key === 'resources.class' ? `class ${String(entry.value)} (${asked})` : asked;
}

/** Entries of a map (ports, services) must be complete after merging: every port has a container port, every service an image. */
function checkComplete(config: EffectiveConfig, errors: FieldIssue[]): void {
  const required: [string, string][] = [
    ['ports', 'port'],
    ['services', 'image'],
  ];
  for (const [map, field] of required) {
    const entries = config.values[map as 'ports' | 'services'];
    if (!isRecord(entries)) continue;
    for (const [name, value] of Object.entries(entries)) {
      if (isRecord(value) && value[field] !== undefined) continue;
      const first = config.entries.find((e) => e.path[0] === map && e.path[1] === name);
      if (first !== undefined) errors.push(issueAtOrigin(first.origin, `${map}.${name}.${field} is required (no layer sets it)`));
    }
  }
}

function checkHostPorts(config: EffectiveConfig, errors: FieldIssue[]): void {
  for (const entry of config.entries) {
    const isHostPort = entry.path.at(-1) === 'host_port' && entry.path[0] === 'ports';
    const port = entry.value;
    if (isHostPort && typeof port === 'number' && port >= RESERVED_PORTS.start && port <= RESERVED_PORTS.end) {
      errors.push(issueAtOrigin(entry.origin, `host port ${port} is in the reserved range ${formatPortRange(RESERVED_PORTS)}`));
    }
  }
}

function checkBackendSettings(config: EffectiveConfig, errors: FieldIssue[], warnings: FieldIssue[]): void {
  const backend = config.values.backend ?? defaultBackend();
  const backendEntry = config.entry('backend');
  const byWhom = backendEntry === undefined ? 'the default' : describeOrigin(backendEntry.origin);
  const mode = config.entry('sync.mode');
  if (mode?.value === 'bind' && backend !== 'docker' && backend !== 'mock') {
    errors.push(issueAtOrigin(mode.origin, `bind mounts the worktree and needs the docker backend, but backend is ${backend} (${byWhom}); use two-way-safe or another sync mode`));
  }
  const host = config.entry('backends.docker.host');
  const remote = typeof host?.value === 'string' && /^(tcp|ssh|http|https):\/\//.test(host.value);
  if (backend === 'docker' && remote && host !== undefined && (mode === undefined || mode.value === 'bind')) {
    warnings.push(
      issueAtOrigin(mode?.origin ?? host.origin, `the docker engine ${String(host.value)} is remote, where a bind mount of a local worktree does not work; set sync.mode to two-way-safe`),
    );
  }
  if (backend === 'sprite' && config.entry('backends.sprite.api_key') === undefined) {
    warnings.push(
      backendEntry === undefined
        ? { path: 'backends.sprite.api_key', message: 'backend sprite needs an API token; set backends.sprite.api_key (e.g. keychain:sprites/me) or NEXUS_SPRITE_TOKEN' }
        : issueAtOrigin(backendEntry.origin, 'backend sprite needs an API token; set backends.sprite.api_key (e.g. keychain:sprites/me) or NEXUS_SPRITE_TOKEN'),
    );
  }
}

/** A build's context must stay in the repository and its Dockerfile in the context (every layer that sets one). */
function checkBuildPaths(config: EffectiveConfig, errors: FieldIssue[]): void {
  for (const field of ['context', 'dockerfile'] as const) {
    for (const origin of allOrigins(config, `workspace.build.${field}`)) {
      for (const problem of buildPathProblems({ [field]: origin.value })) errors.push(issueAtOrigin(origin, problem.message));
    }
  }
}

/** Two ports (or a port and a service port) that derive the same PortBinding name, placed at the second, naming the first. */
function checkPortBindingNames(config: EffectiveConfig, errors: FieldIssue[]): void {
  const { ports, services } = config.values;
  const spec = {
    ports: Object.fromEntries(Object.entries(ports ?? {}).map(([name, port]) => [name, { containerPort: Number(port.port) }])),
    services: Object.fromEntries(
      Object.entries(services ?? {}).map(([name, service]) => [name, { image: '', ports: (service.ports ?? []).map((p) => ({ containerPort: Number(p.port), protocol: p.protocol })) }]),
    ),
  };
  const keyOf = (path: readonly (string | number)[]): string => (path[1] === 'ports' ? `ports.${path[2]}` : `services.${path[2]}.ports`);
  const entryOf = (path: readonly (string | number)[]): EffectiveEntry | undefined => {
    const key = keyOf(path);
    return config.entries.find((e) => e.key === key || e.key.startsWith(`${key}.`));
  };
  for (const { name, first, second } of portBindingNameCollisions(derivedPortBindings({ metadata: { name: config.values.workspace?.name ?? 'workspace' }, spec }))) {
    const at = entryOf(second.path);
    const other = entryOf(first.path);
    const otherWhere = other === undefined ? '' : ` (${describeOrigin(other.origin)})`;
    const what = (path: readonly (string | number)[]): string => (path[1] === 'ports' ? `ports.${path[2]}` : `services.${path[2]}.ports[${path[4]}]`);
    const message = `${second.from === 'service' ? `item ${second.path[4]}` : 'it'} derives the PortBinding name ${name}, as ${what(first.path)}${otherWhere} does; rename one of them`;
    errors.push(at === undefined ? { path: keyOf(second.path), message } : issueAtOrigin(at.origin, message));
  }
}

/** Every problem of the merged configuration that its schemas cannot catch. */
export function checkEffectiveConfig(config: EffectiveConfig): CheckResult {
  const errors: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  checkPortRanges(config, errors);
  checkDurations(config, errors);
  checkResourcesWithinLimits(config, errors);
  checkComplete(config, errors);
  checkHostPorts(config, errors);
  checkBackendSettings(config, errors, warnings);
  checkBuildPaths(config, errors);
  checkPortBindingNames(config, errors);
  return { errors, warnings };
}
