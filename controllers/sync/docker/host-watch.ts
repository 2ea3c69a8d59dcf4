/**
 * Watching a container's sync root from the host: when the engine is local and the root lies in a
 * `local` volume or a bind mount, the files are on this machine's disk (the volume's `_data`
 * directory, the bind source), so the host's inotify (`fs.watch`, as for a local endpoint) reports
 * container-side changes within milliseconds and costs nothing while idle — no tool needed in the
 * image, no polling. Used only when it is provably the same directory: the host path is derived
 * from the engine's mount list, no component below the mount's source may be a symlink (a link
 * planted in the volume must not point the watch elsewhere on the host), and the directory's
 * device and inode seen in the container must equal the host's. Hints stay hints (the engine
 * rescans inside the container through the agent); the watch only reads directory events.
 */
import { lstat } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import type { ChangeHint } from '../endpoint.ts';
import { watchLocalDirectory } from '../local/watch.ts';
import { relativeHint } from './container-watch.ts';
import { shellQuote } from './shell-agent.ts';

/** A mount as the engine reports it (the fields used here). */
export interface MountInfo {
  Type?: string;
  Source?: string;
  Destination?: string;
  Driver?: string;
}

/**
 * The host path of container path `root` through `mounts` (pure): the longest mount whose
 * destination is `root` or a parent of it, when it is a `local` volume or a bind mount with an
 * absolute source; undefined otherwise.
 */
export function hostPathOf(root: string, mounts: readonly MountInfo[]): { source: string; path: string } | undefined {
  let best: MountInfo | undefined;
  for (const m of mounts) {
    const dest = m.Destination?.replace(/\/+$/, '') ?? '';
    if (dest === '' || !(root === dest || root.startsWith(`${dest}/`))) continue;
    if (best === undefined || dest.length > (best.Destination?.replace(/\/+$/, '') ?? '').length) best = m;
  }
  if (best?.Source === undefined || !best.Source.startsWith('/')) return undefined;
  const local = best.Type === 'bind' || (best.Type === 'volume' && (best.Driver === undefined || best.Driver === '' || best.Driver === 'local'));
  if (!local) return undefined;
  const dest = best.Destination?.replace(/\/+$/, '') ?? '';
  const rest = root.slice(dest.length);
  if (rest.split('/').some((s) => s === '..' || s === '.')) return undefined;
  const source = best.Source.replace(/\/+$/, '') || '/';
  return { source, path: `${source}${rest}` };
}

/** True when the engine is reached through a local unix socket (not tcp/ssh). */
function engineIsLocal(docker: Dockerode): boolean {
  const modem = docker.modem as { socketPath?: unknown; host?: unknown; protocol?: unknown };
  // socketPath is a string (DOCKER_HOST=unix://…) or dockerode's default-socket finder.
  const socket = (typeof modem.socketPath === 'string' && modem.socketPath !== '') || typeof modem.socketPath === 'function';
  return socket && (modem.host === undefined || modem.host === '') && modem.protocol !== 'ssh';
}

/**
 * The host directory that is `root` in `container`, or undefined when it cannot be watched from
 * here (remote engine, not a local volume/bind, a symlink on the way, missing, or a different
 * directory than the container sees). `run` runs a script in the container (the shell agent).
 */
export async function resolveHostRoot(docker: Dockerode, container: string, root: string, run: (script: string) => Promise<string>): Promise<string | undefined> {
  if (!engineIsLocal(docker)) return undefined;
  try {
    const info = await docker.getContainer(container).inspect();
    const mapped = hostPathOf(root, (info.Mounts ?? []) as MountInfo[]);
    if (mapped === undefined) return undefined;
    // Every component below the mount's source must be a real directory (never followed).
    let at = mapped.source;
    const source = await lstat(at);
    if (!source.isDirectory()) return undefined;
    for (const part of mapped.path.slice(mapped.source.length).split('/').filter((s) => s !== '')) {
      at = `${at}/${part}`;
      const s = await lstat(at);
      if (s.isSymbolicLink() || !s.isDirectory()) return undefined;
    }
    const host = await lstat(mapped.path);
    const seen = (await run(`stat -c '%d %i' ${shellQuote(root)}`)).trim();
    if (seen !== `${host.dev} ${host.ino}`) return undefined;
    return mapped.path;
  } catch {
    return undefined;
  }
}

/** Hints for the container root from the host directory `hostRoot` until `signal` aborts. */
export async function* watchFromHost(hostRoot: string, signal: AbortSignal): AsyncGenerator<ChangeHint> {
  for await (const hint of watchLocalDirectory(hostRoot, signal)) {
    if (hint.path === undefined) {
      yield {};
      continue;
    }
    const relative = relativeHint(hint.path);
    if (relative !== undefined) yield relative;
  }
}
