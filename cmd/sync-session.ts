/**
 * What `boulder sync status|conflicts|flush|pause|resume|reset NAME`, `boulder sync resolve NAME PATH
 * --keep host|container` and `boulder workspace sync-*` do: inspect and drive a SyncSession. NAME is
 * the SyncSession's name or its workspace's name (the owned session `<workspace>-sync`).
 * pause/resume set `spec.paused`, which is the user's alone (the owning Workspace never writes it;
 * it holds the sync by itself while it is not Running, controllers/syncsession/workspace-hold.ts); flush, reset and resolve are performed by the daemon that runs
 * the engine: the command writes the request annotation (controllers/syncsession/requests.ts) and
 * waits for the `LastRequest` condition to answer it (`--timeout`, default 60 s).
 */
import { ownedSyncSessionName } from '../apis/sync-session-name.ts';
import { randomUUID } from 'node:crypto';
import type { ResourceClient } from '../apis/client/types.ts';
import { isErrorCode, NotFoundError } from '../apis/errors.ts';
import type { SyncSession } from '../apis/types/syncsession.ts';
import { checkRelativePath, quotePath } from '../controllers/fs/relative-path.ts';
import type { SyncRequest } from '../controllers/syncsession/requests.ts';

import { UsageError } from './cli-error.ts';
import type { CliDeps, TextOut } from './command.ts';
import { durationFlag } from './duration.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { LAST_REQUEST, READY, SYNC_REQUEST_ANNOTATION } from '../apis/names/index.ts';
import { defaulted } from '../apis/defaulted.ts';

/** Subcommands of `boulder sync`. */
export const SYNC_SUBCOMMANDS = ['status', 'conflicts', 'flush', 'pause', 'resume', 'reset', 'resolve'] as const;

/** One of `SYNC_SUBCOMMANDS`. */
export type SyncSubcommand = (typeof SYNC_SUBCOMMANDS)[number];

const DEFAULT_TIMEOUT_MS = 60_000;

/** Finds the session named `name`, or owned by the workspace `name`. */
export async function findSession(client: ResourceClient, namespace: string, name: string): Promise<SyncSession> {
  for (const candidate of [name, ownedSyncSessionName(name)]) {
    try {
      return await client.get<SyncSession>('SyncSession', namespace, candidate);
    } catch (err) {
      if (!isErrorCode(err, 'NotFound')) throw err;
    }
  }
  throw new NotFoundError(`syncsession "${name}" not found (nor a workspace's session "${ownedSyncSessionName(name)}") in namespace ${namespace}`);
}

/** Human-readable status lines. */
export function statusLines(s: SyncSession): string[] {
  const st = s.status ?? {};
  const lines = [
    `syncsession/${s.metadata.name}  ${st.phase ?? 'Pending'}${s.spec.paused === true ? ' (paused)' : ''}`,
    `  alpha: ${s.spec.alpha}`,
    `  beta:  ${s.spec.beta}`,
    `  mode:  ${defaulted(s).spec.mode}, conflicts: ${defaulted(s).spec.conflict}`,
    `  files: ${st.filesSynced ?? 0}/${st.filesTotal ?? 0} in sync, ${st.bytesTransferred ?? 0} bytes transferred, ${st.errorCount ?? 0} error(s)`,
  ];
  if (st.lastSyncAt !== undefined) lines.push(`  last sync: ${st.lastSyncAt}${st.lastSyncLatencyMs !== undefined ? ` (${st.lastSyncLatencyMs} ms)` : ''}`);
  for (const c of st.conditions ?? []) if (c.status !== 'True' || c.type === READY) lines.push(`  ${c.type}=${c.status} ${c.reason}: ${c.message}`);
  lines.push(...conflictLines(s));
  return lines;
}

/** One line per conflict (`none` when there is none). */
export function conflictLines(s: SyncSession): string[] {
  const conflicts = s.status?.conflicts ?? [];
  if (conflicts.length === 0) return ['  conflicts: none'];
  return [`  conflicts (${conflicts.length}):`, ...conflicts.map((c) => `    ${c.path}  ${c.type ?? ''}  host: ${c.alpha ?? '?'}  container: ${c.beta ?? '?'}`)];
}

/** Updates the session with conflict retries. */
async function mutate(client: ResourceClient, session: SyncSession, change: (s: SyncSession) => SyncSession): Promise<SyncSession> {
  let current = session;
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.update<SyncSession>(change(current));
    } catch (err) {
      if (!isErrorCode(err, 'Conflict') || attempt >= 10) throw err;
      current = await client.get<SyncSession>('SyncSession', current.metadata.namespace ?? 'default', current.metadata.name);
    }
  }
}

/** Writes a request and waits for the daemon's answer. */
async function request(deps: CliDeps, client: ResourceClient, session: SyncSession, req: SyncRequest, timeoutMs: number, out: TextOut): Promise<ExitCodeValue> {
  await mutate(client, session, (s) => ({ ...s, metadata: { ...s.metadata, annotations: { ...s.metadata.annotations, [SYNC_REQUEST_ANNOTATION]: JSON.stringify(req) } } }));
  const deadline = deps.clock.now().getTime() + timeoutMs;
  const [{ watchDaemon }, { terminalFailureOf }] = await Promise.all([import('./daemon/liveness.ts'), import('../apis/terminal.ts')]);
  // A halt already reported (Stalled) is what a reset or resolve is for: only a new failure ends the wait early.
  const already = terminalFailureOf(session);
  const daemon = watchDaemon(deps);
  try {
    for (;;) {
      const current = await client.get<SyncSession>('SyncSession', session.metadata.namespace ?? 'default', session.metadata.name);
      const answer = current.status?.conditions?.find((c) => c.type === LAST_REQUEST);
      if (answer?.message.startsWith(`${req.id}: `) === true) {
        out.write(`syncsession/${session.metadata.name} ${req.op}: ${answer.message.slice(req.id.length + 2)}\n`);
        return answer.status === 'True' ? ExitCode.Ok : ExitCode.Error;
      }
      const terminal = terminalFailureOf(current);
      if (terminal !== undefined && (terminal.reason !== already?.reason || terminal.message !== already.message)) {
        deps.stderr.write(`error: syncsession/${session.metadata.name} failed: ${terminal.reason}: ${terminal.message}\n`);
        return ExitCode.Error;
      }
      if (deps.clock.now().getTime() > deadline) {
        deps.stderr.write(`error: no answer to ${req.op} within ${Math.round(timeoutMs / 1000)} s: is the daemon running (boulder daemon status)?\n`);
        return ExitCode.Timeout;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await daemon.stop();
  }
}

/** Runs one sync subcommand on the session `name`. */
export async function runSync(deps: CliDeps, sub: SyncSubcommand, name: string, extra: { path?: string; keep?: string; timeout?: string; namespace: string }): Promise<ExitCodeValue> {
  const timeoutMs = durationFlag(extra.timeout, DEFAULT_TIMEOUT_MS, 'timeout', `sync ${sub}`);
  if (sub === 'resolve') {
    if (extra.path === undefined) throw new UsageError('name the conflicting PATH', 'sync resolve');
    const unsafe = checkRelativePath(extra.path);
    if (unsafe !== undefined) throw new UsageError(`PATH ${quotePath(extra.path)} must be relative to the sync root as listed by 'sync conflicts': ${unsafe.detail}`, 'sync resolve');
    if (extra.keep !== 'host' && extra.keep !== 'container') throw new UsageError('--keep host|container is required', 'sync resolve');
  }
  const client = await deps.openClient();
  try {
    const session = await findSession(client, extra.namespace, name);
    switch (sub) {
      case 'status':
        deps.stdout.write(`${statusLines(session).join('\n')}\n`);
        return ExitCode.Ok;
      case 'conflicts':
        deps.stdout.write(`${conflictLines(session).map((l) => l.trimStart()).join('\n')}\n`);
        return (session.status?.conflicts ?? []).length === 0 ? ExitCode.Ok : ExitCode.Conflict;
      case 'pause':
      case 'resume': {
        const paused = sub === 'pause';
        if ((session.spec.paused === true) !== paused) await mutate(client, session, (s) => ({ ...s, spec: { ...s.spec, paused } }));
        deps.stdout.write(`syncsession/${session.metadata.name} ${paused ? 'paused' : 'resumed'}\n`);
        if (!paused) {
          // The user's pause is gone; the owning workspace may still hold the sync (not Running).
          const { owningWorkspace, workspaceHold } = await import('../controllers/syncsession/workspace-hold.ts');
          const hold = workspaceHold(session, await owningWorkspace(client, session));
          if (hold !== undefined) deps.stderr.write(`note: ${hold}: its sync stays held until it runs again\n`);
        }
        return ExitCode.Ok;
      }
      case 'flush':
      case 'reset':
        return await request(deps, client, session, { id: randomUUID(), op: sub }, timeoutMs, deps.stdout);
      case 'resolve':
        return await request(deps, client, session, { id: randomUUID(), op: 'resolve', path: extra.path!, keep: extra.keep as 'host' | 'container' }, timeoutMs, deps.stdout);
    }
  } finally {
    await client.close();
  }
}
