/**
 * Moves one container to a lifecycle state: Running (start or unpause), Paused (pause; a stopped
 * container is started first), Stopped (stop with a short timeout). Each step tolerates Docker's
 * "already there" answers (304, 409), so concurrent or repeated calls stay idempotent. Returns the
 * human-readable changes made, prefixed with what the container is (`container`, `service db`).
 */
import type Dockerode from 'dockerode';
import type { ProviderFailureReason } from '../errors.ts';
import type { RuntimeState } from '../types.ts';
import { STOP_TIMEOUT_SECONDS } from './container-spec.ts';
import { isConflict, isNotModified, toProviderError } from './engine-errors.ts';
import { runtimeState } from './snapshot.ts';
import { CONTAINER_START_FAILED } from '../../../apis/names/index.ts';

/** The steps taking a container from `current` (a Docker state) to `desired` (pure). */
export function lifecycleSteps(current: string, desired: RuntimeState): ('start' | 'unpause' | 'pause' | 'stop')[] {
  const now = runtimeState(current);
  if (now === desired) return [];
  if (desired === 'Running') return now === 'Paused' ? ['unpause'] : ['start'];
  if (desired === 'Paused') return now === 'Stopped' ? ['start', 'pause'] : ['pause'];
  return ['stop'];
}

const pastTense = { start: 'started', unpause: 'unpaused', pause: 'paused', stop: 'stopped' } as const;
const gerund = { start: 'starting', unpause: 'unpausing', pause: 'pausing', stop: 'stopping' } as const;

/** Brings a container to `desired`; returns changes such as `container started`. */
export async function convergeLifecycle(
  docker: Dockerode,
  containerId: string,
  currentDockerState: string,
  desired: RuntimeState,
  what: string,
  reason: ProviderFailureReason = CONTAINER_START_FAILED,
): Promise<string[]> {
  const container = docker.getContainer(containerId);
  const changes: string[] = [];
  for (const step of lifecycleSteps(currentDockerState, desired)) {
    try {
      if (step === 'start') await container.start();
      else if (step === 'unpause') await container.unpause();
      else if (step === 'pause') await container.pause();
      else await container.stop({ t: STOP_TIMEOUT_SECONDS });
    } catch (err) {
      if (isNotModified(err) || (isConflict(err) && step !== 'start')) continue;
      throw toProviderError(docker, err, reason, `${gerund[step]} ${what}`);
    }
    changes.push(`${what} ${pastTense[step]}`);
  }
  return changes;
}
