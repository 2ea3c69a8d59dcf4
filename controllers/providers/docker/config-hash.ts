/**
 * Configuration hashes (pure): sha256 of exactly the desired fields a container is created from.
 * The hash is stored in the `nexus.dev/config-hash` label and compared on every ensure, which is
 * how the provider "compares only fields boulder owns": a different hash means recreate, and
 * nothing else about a container (its id, runtime state, fields Docker fills in) is compared.
 * Secret values enter the hash input only; they never appear in labels.
 */
import { createHash } from 'node:crypto';
import type { DesiredRuntime, DesiredService } from '../types.ts';

/**
 * Version of the container layout this provider creates (keep-alive command, init, stop timeout):
 * bumping it recreates every container on the next ensure.
 */
export const CONTAINER_SPEC_VERSION = 1;

/** Hash of the main container's configuration; `imageRef` is the image ref or the build tag. */
export function workspaceConfigHash(desired: DesiredRuntime, imageRef: string): string {
  return sha256Json({
    v: CONTAINER_SPEC_VERSION,
    image: imageRef,
    env: sortedEntries(desired.env),
    secretEnv: sortedEntries(desired.secretEnv),
    mounts: desired.mounts.map((m) => (m.volume === undefined ? [m.source, m.target, m.readOnly === true] : [m.source, m.target, m.readOnly === true, m.volume])),
    workdir: desired.workdir,
    cpus: desired.cpus ?? null,
    memoryBytes: desired.memoryBytes ?? null,
    ports: [...desired.containerPorts].sort((a, b) => a - b),
    labels: sortedEntries(desired.labels),
    ...(desired.runAs !== undefined ? { runAs: [desired.runAs.uid, desired.runAs.gid] } : {}),
  });
}

/** Hash of one service container's configuration. */
export function serviceConfigHash(desired: DesiredRuntime, service: DesiredService): string {
  return sha256Json({
    v: CONTAINER_SPEC_VERSION,
    image: service.image,
    env: sortedEntries(service.env),
    command: service.command,
    ports: [...service.containerPorts].sort((a, b) => a - b),
    volumes: service.volumes,
    labels: sortedEntries(desired.labels),
  });
}

/** `[key, value]` pairs sorted by key, so map order never changes a hash. */
function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sha256Json(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
