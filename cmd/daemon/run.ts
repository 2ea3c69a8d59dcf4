/**
 * `boulder daemon` in the foreground: holds the daemon socket (the lock; `<state dir>/daemon.sock`
 * or the configured `daemon.socket`), runs the controller manager against the store, logs pino JSON
 * at the configured `daemon.log_level` to `<state dir>/logs/daemon.log`, answers status/stop
 * requests (and `switch` and `apply`, done here for the CLI), and stops gracefully on SIGINT/SIGTERM or a stop request. The state dir and logs dir
 * are 0700, the log, pid file and socket 0600, whatever the umask (prepareDaemonFiles). It also
 * serves the daemon API (server/api.ts: WebSocket JSON-RPC on `<state dir>/api.sock` and, when the
 * node configuration sets daemon.port, on TCP), started before the controllers and closed first.
 * Right after it holds the socket, while it is still small, it forks its spawner (spawner.ts): the
 * programs the controllers run (git, nft, setpriv) go through it, not through forks of the daemon.
 */
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { DEFAULT_DAEMON_LOG_LEVEL, type DaemonSettings } from '../../apis/config/daemon-settings.ts';
import { homeOfEnv } from '../../apis/config/daemon-config.ts';
import { loadNodeMode, type NodeModeSettings } from '../../apis/config/node-mode.ts';
import { describeOrigin } from '../../apis/config/origin.ts';
import { PRIVATE_FILE_MODE } from '../../apis/config/private-state.ts';
import type { CliDeps, OptionValues } from '../command.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { packageVersion } from '../../apis/package-root.ts';
import { acquireDaemonSocket } from './lock.ts';
import { daemonPathsOf, prepareDaemonFiles } from './paths.ts';
import type { DaemonStatus, DaemonStopAck, SwitchDaemonRequest } from './protocol.ts';
import type { RequestHandler } from './control-server.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { SwitchOutcome } from '../workspace/switch-outcome.ts';

/** Removes the pid file if it still names this process. */
async function removeOwnPidFile(path: string): Promise<void> {
  const content = await readFile(path, 'utf8').catch(() => '');
  if (content.trim() === String(process.pid)) await rm(path, { force: true });
}

/** The daemon's settings as one log record: each value and where it was set (`default` when built in). */
export function settingsRecord(settings: DaemonSettings | undefined, socket: string): Record<string, string> {
  const from = (origin: Parameters<typeof describeOrigin>[0] | undefined): string => (origin === undefined ? 'default' : describeOrigin(origin));
  return {
    socket,
    socketFrom: from(settings?.origins.socket),
    logLevel: settings?.logLevel ?? DEFAULT_DAEMON_LOG_LEVEL,
    logLevelFrom: from(settings?.origins.logLevel),
    stateDirFrom: from(settings?.origins.stateDir),
  };
}

/**
 * Transport limits of the API from BOULDER_API_* variables — for tests that need a small message
 * limit or a short auth deadline without waiting for the defaults; undefined when none is set.
 */
function apiLimits(env: NodeJS.ProcessEnv): { maxPayload?: number; authDeadlineMs?: number; pingIntervalMs?: number; slowClientMs?: number } | undefined {
  const limits: Record<string, number> = {};
  const read = (variable: string, key: string): void => {
    const value = Number(env[variable]);
    if (env[variable] !== undefined && Number.isInteger(value) && value > 0) limits[key] = value;
  };
  read('BOULDER_API_MAX_PAYLOAD', 'maxPayload');
  read('BOULDER_API_AUTH_DEADLINE_MS', 'authDeadlineMs');
  read('BOULDER_API_PING_INTERVAL_MS', 'pingIntervalMs');
  read('BOULDER_API_SLOW_CLIENT_MS', 'slowClientMs');
  return Object.keys(limits).length === 0 ? undefined : limits;
}

/** The API's limits and node mode from the environment and the node configuration (only those set). */
function apiOptionsOf(env: NodeJS.ProcessEnv, nodeMode: NodeModeSettings | undefined): { limits?: ReturnType<typeof apiLimits>; nodeMode?: NodeModeSettings; nodeRefreshMs?: number } {
  const limits = apiLimits(env);
  const nodeRefreshMs = Number(env['BOULDER_NODE_REFRESH_MS']);
  return {
    ...(limits === undefined ? {} : { limits }),
    ...(nodeMode === undefined ? {} : { nodeMode }),
    ...(Number.isInteger(nodeRefreshMs) && nodeRefreshMs > 0 ? { nodeRefreshMs } : {}),
  };
}

/** Runs the daemon until it is asked to stop; resolves to the exit code. `values`: the command's flags. */
export async function runDaemon(deps: CliDeps, values: OptionValues = {}): Promise<ExitCodeValue> {
  const paths = daemonPathsOf(deps);
  prepareDaemonFiles(paths);
  const startedAt = deps.clock.now().toISOString();
  const stop = new AbortController();
  const status: DaemonStatus = { pid: process.pid, startedAt, stateDir: deps.stateDir, version: packageVersion() };
  // The store client and the running controllers, once started: a switch or apply asked before waits for them.
  let serving: (client: ResourceClient) => void = () => undefined;
  const started = new Promise<ResourceClient>((resolve) => (serving = resolve));
  const handle = controlHandler(status, stop, started);
  const socket = await acquireDaemonSocket(paths, handle);
  // Forked now, while the daemon is small: the programs it runs later do not fork the grown daemon.
  const { startSpawner, logSpawnerEvents, stopSpawner } = await import('./spawner.ts');
  const spawner = await startSpawner();
  const interrupted = deps.interruptSignal();
  const onInterrupt = (): void => stop.abort('signal');
  interrupted.addEventListener('abort', onInterrupt, { once: true });
  if (interrupted.aborted) stop.abort('signal');

  const [{ createLogger, closeLogger }, { Manager }, { realClock }, { registerControllers }, { trustForStore }] = await Promise.all([
    import('../../controllers/runtime/logger.ts'),
    import('../../controllers/runtime/manager.ts'),
    import('../../controllers/runtime/clock.ts'),
    import('../../controllers/setup.ts'),
    import('../../controllers/trust/policy.ts'),
  ]);
  const logger = createLogger({ destination: paths.log, level: deps.daemon?.logLevel ?? DEFAULT_DAEMON_LOG_LEVEL, base: { role: 'daemon' } });
  logger.debug(settingsRecord(deps.daemon, paths.socket), 'daemon settings');
  logSpawnerEvents(spawner, logger);
  try {
    await writeFile(paths.pid, `${process.pid}\n`, { mode: PRIVATE_FILE_MODE });
    await chmod(paths.pid, PRIVATE_FILE_MODE);
    const client = await deps.openClient();
    try {
      const onReconcileFailure = await frictionListener(deps.stateDir, deps.env);
      const manager = new Manager({ client, clock: realClock, logger, ...(onReconcileFailure !== undefined ? { onReconcileFailure } : {}) });
      const { configuredControllerSettings, providerCluster } = await import('./controller-settings.ts');
      const { portRange, exposure, kubernetes, sprite, api: apiConfig, idleTimeout } = await configuredControllerSettings(deps, (message) => logger.warn(message));
      const cluster = providerCluster(deps, values, kubernetes);
      // The API's listen settings first: a non-loopback address without TLS refuses to start.
      const { apiListenSettings } = await import('../../server/transport/settings.ts');
      const listen = apiListenSettings(deps.stateDir, apiConfig);
      const { ActivityTracker } = await import('../../controllers/workspace/activity.ts');
      const activity = new ActivityTracker();
      // Multi-user node mode (issue 14): the controllers learn it from `multiUser`, the API provisions and confines users.
      const nodeMode = await loadNodeMode(deps.env, deps.cwd, homeOfEnv(deps.env));
      const multiUserDeps = nodeMode === undefined ? {} : { multiUser: { usersDir: nodeMode.usersDir } };
      const providers = registerControllers(manager, { ...multiUserDeps, client, clock: realClock, logger, stateDir: deps.stateDir, activity, ...(idleTimeout !== undefined ? { defaultIdleTimeout: idleTimeout } : {}), trust: trustForStore(deps.storeKind), ...(cluster ? { kubernetes: cluster } : {}), ...(sprite ? { sprite } : {}), ...(portRange ? { portRange } : {}), ...(exposure ? { exposure } : {}) });
      const { startDaemonApi } = await import('../../server/api.ts');
      const api = await startDaemonApi({ stateDir: deps.stateDir, client, providers, logger, listen, activity, ...apiOptionsOf(deps.env, nodeMode) });
      Object.defineProperty(status, 'api', { enumerable: true, get: () => api.stats.snapshot() });
      try {
        await manager.start();
      } catch (err) {
        await api.server.close();
        throw err;
      }
      serving(client);
      // The control op `apply` parses and validates in this process: load both before it is asked.
      void Promise.all([import('../apply/serve.ts'), import('../../apis/validation/load.ts')]).catch(() => undefined);
      logger.info({ stateDir: deps.stateDir, socket: paths.socket, api: api.server.addresses, version: status.version }, 'daemon started');
      deps.stderr.write(`boulder daemon running (pid ${process.pid}) for ${deps.stateDir}; logs: ${paths.log}\n`);
      if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
      logger.info({ reason: String(stop.signal.reason) }, 'daemon stopping');
      await api.server.close();
      await manager.stop();
    } finally {
      await client.close();
    }
    logger.info('daemon stopped');
    deps.stderr.write(`boulder daemon stopped (pid ${process.pid})\n`);
    return ExitCode.Ok;
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, 'daemon failed');
    throw err;
  } finally {
    interrupted.removeEventListener('abort', onInterrupt);
    await stopSpawner(spawner);
    await closeLogger(logger);
    await removeOwnPidFile(paths.pid);
    await socket.close();
  }
}

/** Answers the control requests (protocol.ts): status, stop, and switch and apply once `started` resolves. */
function controlHandler(status: DaemonStatus, stop: AbortController, started: Promise<ResourceClient>): RequestHandler {
  return (request, signal, emit) => {
    if (request.op === 'status') return status;
    if (request.op === 'stop') {
      setImmediate(() => stop.abort('stop requested'));
      return { stopping: true, pid: process.pid } satisfies DaemonStopAck;
    }
    if (request.op === 'apply') return import('../apply/serve.ts').then(({ applyForClient }) => applyForClient(started, request, signal, emit));
    return switchForClient(started, request, signal);
  };
}

/** The daemon's reconcile-failure listener when friction collection is on (cmd/telemetry/events.ts). */
async function frictionListener(stateDir: string, env: NodeJS.ProcessEnv): Promise<((failure: { kind: string; outcome: string; reason?: string; durationMs: number }) => void) | undefined> {
  const [{ telemetrySettings, appendEvent }, { homeOfEnv }, { packageVersion }] = await Promise.all([import('../telemetry/events.ts'), import('../../apis/config/daemon-config.ts'), import('../../apis/package-root.ts')]);
  const settings = await telemetrySettings(env, process.cwd(), homeOfEnv(env));
  if (!settings.enabled) return undefined;
  return (failure) =>
    appendEvent(stateDir, { kind: 'reconcile_failure', command: failure.kind, duration_ms: failure.durationMs, error_code: failure.reason ?? (failure.outcome === 'error' ? 'Transient' : 'Terminal'), boulder_version: packageVersion(), shared: settings.share });
}

/**
 * The control op `switch` (protocol.ts): `boulder switch` done by the daemon with its own store
 * client, once its controllers run; the client going away ends the wait (not the writes made). A
 * client that went away while the daemon was still starting gets nothing switched: it has moved
 * on (its CLI switched by itself, or the user switched elsewhere), and a late write would undo that.
 */
export async function switchForClient(started: Promise<ResourceClient>, request: SwitchDaemonRequest, signal: AbortSignal): Promise<{ switch: SwitchOutcome }> {
  const gone = new Promise<undefined>((resolve) => (signal.aborted ? resolve(undefined) : signal.addEventListener('abort', () => resolve(undefined), { once: true })));
  const [client, { switchAndWait }] = await Promise.all([Promise.race([started, gone]), import('../workspace/switch-core.ts')]);
  if (client === undefined || signal.aborted) return { switch: { result: 'timedOut', paused: [], reason: 'the client went away before the daemon was serving' } };
  const { op: _op, ...target } = request;
  return { switch: await switchAndWait(client, target, { signal }) };
}
