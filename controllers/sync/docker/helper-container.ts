/**
 * The sync helper: a small long-lived container `nexus-sync-<uid>` that mounts a workspace's sync
 * volume at `/workspace` and does nothing but idle, so that the sync endpoint has a container to
 * exec into before the workspace container exists (creation order worktree → volume → initial
 * sync → workspace container) and independently of the workspace container's restarts. Both
 * containers see the same volume (and the same inotify events). Any image with a POSIX shell,
 * find, stat, sha256sum and tar works (busybox, or the workspace image itself).
 */
import type Dockerode from 'dockerode';

/** Options of `ensureSyncHelper`. */
export interface SyncHelperOptions {
  /** Container name (e.g. `nexus-sync-<uid>`). */
  name: string;
  /** Named volume to mount (created when missing). */
  volume: string;
  /** Image to run. */
  image: string;
  /** Where the volume is mounted. Default `/workspace`. */
  mountPath?: string;
  /** Labels for the container and the volume. */
  labels?: Record<string, string>;
}

const IDLE = 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done';

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

/** Creates (or starts) the helper container and its volume; returns the container id. */
export async function ensureSyncHelper(docker: Dockerode, options: SyncHelperOptions): Promise<string> {
  const labels = options.labels ?? {};
  try {
    await docker.getVolume(options.volume).inspect();
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await docker.createVolume({ Name: options.volume, Labels: labels });
  }
  const existing = docker.getContainer(options.name);
  try {
    const info = await existing.inspect();
    if (!info.State.Running) await existing.start();
    return info.Id;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const created = await docker.createContainer({
    name: options.name,
    Image: options.image,
    Cmd: ['sh', '-c', IDLE],
    Labels: labels,
    HostConfig: { Mounts: [{ Type: 'volume', Source: options.volume, Target: options.mountPath ?? '/workspace' }], Init: false },
  });
  await created.start();
  return created.id;
}

/** Removes the helper container and (when `removeVolume`) its volume; missing objects are fine. */
export async function removeSyncHelper(docker: Dockerode, name: string, volume: string | undefined): Promise<void> {
  try {
    await docker.getContainer(name).remove({ force: true });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (volume === undefined) return;
  try {
    await docker.getVolume(volume).remove({ force: true });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
