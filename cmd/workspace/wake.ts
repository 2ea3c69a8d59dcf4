/**
 * Activity the CLI causes (`boulder exec`, `logs -f`): recorded on the Workspace as the
 * `nexus.dev/active-at` annotation, read by the Workspace controller (which alone writes status and
 * pauses or resumes for idleness). When the controller holds the workspace paused for idleness
 * (condition Idle=True), the CLI waits until the daemon has woken it (resume, then onWake) so the
 * command runs in a running workspace. A workspace the user paused (spec.state) is left alone.
 */
import { isErrorCode } from '../../apis/errors.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { formatActiveAt } from '../../controllers/workspace/idle.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { ACTIVE_AT_ANNOTATION, IDLE } from '../../apis/names/index.ts';

/** Annotations are written at most this often per workspace (one store write, not one per command). */
export const ACTIVE_AT_COALESCE_MS = 10_000;

/** How long the CLI waits for an idle workspace to wake. */
export const WAKE_WAIT_MS = 60_000;

const isIdle = (ws: Workspace): boolean => ws.status?.conditions?.some((c) => c.type === IDLE && c.status === 'True') === true;

/** Records `what` as activity of `ws` and waits for it to wake when it is paused for idleness. */
export async function noteActivity(client: ResourceClient, ws: Workspace, what: string, waitMs = WAKE_WAIT_MS): Promise<void> {
  const idle = isIdle(ws);
  const last = Date.parse(ws.status?.lastActiveAt ?? '');
  if (!idle && Number.isFinite(last) && Date.now() - last < ACTIVE_AT_COALESCE_MS) return;
  let current = ws;
  for (let attempt = 0; ; attempt++) {
    try {
      await client.update<Workspace>({ ...current, metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, [ACTIVE_AT_ANNOTATION]: formatActiveAt(new Date(), what) } } });
      break;
    } catch (err) {
      if (!isErrorCode(err, 'Conflict') || attempt >= 5) throw err;
      current = await client.get<Workspace>('Workspace', ws.metadata.namespace ?? 'default', ws.metadata.name);
    }
  }
  if (!idle) return;
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    const now = await client.get<Workspace>('Workspace', ws.metadata.namespace ?? 'default', ws.metadata.name);
    if (!isIdle(now)) return;
  }
  throw new CliError(`workspace ${ws.metadata.name} is paused for idleness and did not wake within ${waitMs / 1000}s: is the daemon running (boulder daemon)?`, ExitCode.Error);
}
