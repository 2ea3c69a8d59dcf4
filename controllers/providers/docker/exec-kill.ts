/**
 * Ending an exec'd process when its caller cancels. The Engine API cannot signal an exec, and
 * closing the attach stream leaves the process running; so, on cancellation, the process is found
 * from the exec's host PID (`/proc/<pid>/status` NSpid gives its PID inside the container) and
 * killed by a second exec in the same container. Only for a local engine, and only when
 * `/proc/<pid>/cgroup` names the container — a remote engine's PID means nothing here, and a
 * reused PID must never be signalled. Best effort: a process that cannot be found is left alone.
 */
import { readFile } from 'node:fs/promises';
import type Dockerode from 'dockerode';

/** The PID inside its container of host process `pid` when that process belongs to container `containerId`. */
export async function containerPidOf(pid: number, containerId: string): Promise<string | undefined> {
  const [cgroup, status] = await Promise.all([readFile(`/proc/${pid}/cgroup`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
  if (!cgroup.includes(containerId)) return undefined;
  const inner = /^NSpid:\s+(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/);
  if (inner === undefined || inner.length < 2) return undefined;
  const last = inner.at(-1) as string;
  return /^\d+$/.test(last) ? last : undefined;
}

/** Kills the process of `exec` in container `containerId` (SIGKILL), when it still runs and can be found. */
export async function killExec(docker: Dockerode, containerId: string, exec: Dockerode.Exec): Promise<boolean> {
  try {
    if ((docker.modem as { socketPath?: unknown }).socketPath === undefined) return false;
    const info = await exec.inspect();
    if (!info.Running || typeof info.Pid !== 'number' || info.Pid <= 0) return false;
    const pid = await containerPidOf(info.Pid, containerId);
    if (pid === undefined) return false;
    const killer = await docker.getContainer(containerId).exec({ Cmd: ['kill', '-KILL', pid], AttachStdout: false, AttachStderr: false });
    await killer.start({ Detach: true });
    return true;
  } catch {
    return false;
  }
}
