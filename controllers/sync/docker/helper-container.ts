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
  const created: Dockerode.Container = await docker.createContainer({
    name: options.name,
    Image: options.image,
    // Whatever image it is (often the workspace's own): no ENTRYPOINT of the image runs, the agent
    // runs as root (it places files for every user), and the image's own files at the mount point
    // are never copied into an empty sync volume (they would look like files of the workspace).
    Entrypoint: ['sh', '-c', IDLE],
    Cmd: [],
    User: '0',
    Labels: labels,
    HostConfig: {
      Mounts: [{ Type: 'volume', Source: options.volume, Target: options.mountPath ?? '/workspace', VolumeOptions: { NoCopy: true, Labels: {}, DriverConfig: { Name: 'local', Options: {} } } }],
      Init: false,
    },
  });
  await created.start();
  const info = await created.inspect();
  if (!info.State.Running) {
    await created.remove({ force: true }).catch(() => undefined);
    throw new Error(`sync helper ${options.name} (image ${options.image}) exited at once (exit code ${info.State.ExitCode}): the image needs a POSIX sh`);
  }
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
