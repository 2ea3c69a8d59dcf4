/**
 * The desired runtime of a Workspace: a pure function of its spec (no clock, randomness or I/O).
 * An unusable spec yields an InvalidSpecError, which the reconcile turns into a condition.
 */
import { DEFAULT_NAMESPACE } from '../../apis/meta.ts';
import type { Workspace, WorkspaceResources } from '../../apis/types/index.ts';
import { TerminalError } from '../runtime/errors.ts';
import { runtimeLabels, type DesiredRuntime, type DesiredService, type RuntimeTarget } from '../providers/types.ts';
import { parseCpu, parseMemory } from './quantity.ts';

/** CPU cores and memory of each resource class. */
export const RESOURCE_CLASSES: Record<string, { cpus: number; memory: string }> = {
  small: { cpus: 1, memory: '2Gi' },
  medium: { cpus: 2, memory: '4Gi' },
  large: { cpus: 4, memory: '8Gi' },
  xlarge: { cpus: 8, memory: '16Gi' },
};

/** The runtime identity of a workspace object. */
export function runtimeTarget(ws: Workspace): RuntimeTarget {
  return {
    namespace: ws.metadata.namespace ?? DEFAULT_NAMESPACE,
    name: ws.metadata.name,
    uid: ws.metadata.uid ?? '',
  };
}

/** Computes what should run for `ws`; throws TerminalError (reason InvalidSpec) when it can't. */
export function desiredRuntime(ws: Workspace): DesiredRuntime {
  const target = runtimeTarget(ws);
  const spec = ws.spec;
  const image = spec.image;
  if (image === undefined || image === '') {
    const why = spec.build === undefined ? 'spec.image or spec.build is required' : 'spec.build is not supported by this backend yet';
    throw new TerminalError('InvalidSpec', why);
  }
  return {
    target,
    labels: runtimeLabels(target),
    image,
    env: { ...(spec.env ?? {}) },
    state: spec.state ?? 'Running',
    ...resourceLimits(spec.resources),
    containerPorts: Object.values(spec.ports ?? {}).map((p) => p.containerPort),
    services: Object.entries(spec.services ?? {}).map(
      ([name, s]): DesiredService => ({
        name,
        image: s.image,
        env: { ...(s.env ?? {}) },
        command: [...(s.command ?? [])],
        containerPorts: (s.ports ?? []).map((p) => p.containerPort),
        volumes: [...(s.volumes ?? [])],
      }),
    ),
  };
}

/** CPU and memory limits from a resource class and/or explicit quantities (explicit wins). */
export function resourceLimits(resources: WorkspaceResources | undefined): { cpus?: number; memoryBytes?: number } {
  if (resources === undefined) return {};
  const fromClass = resources.class === undefined ? undefined : RESOURCE_CLASSES[resources.class];
  const cpuText = resources.cpu ?? (fromClass === undefined ? undefined : String(fromClass.cpus));
  const memoryText = resources.memory ?? fromClass?.memory;
  const limits: { cpus?: number; memoryBytes?: number } = {};
  if (cpuText !== undefined) {
    const cpus = parseCpu(cpuText);
    if (cpus === undefined) throw new TerminalError('InvalidSpec', `spec.resources.cpu: "${cpuText}" is not a CPU quantity (e.g. 2, 0.5, 500m)`);
    limits.cpus = cpus;
  }
  if (memoryText !== undefined) {
    const memoryBytes = parseMemory(memoryText);
    if (memoryBytes === undefined) throw new TerminalError('InvalidSpec', `spec.resources.memory: "${memoryText}" is not a memory quantity (e.g. 512Mi, 4Gi)`);
    limits.memoryBytes = memoryBytes;
  }
  return limits;
}
