/**
 * The daemon API, assembled: token keys and revocations of the state dir, the method modules of
 * server/methods with their params validators from the OpenRPC document, the dispatcher and the
 * listeners. `boulder daemon` starts it after its controllers (cmd/daemon/run.ts) and closes it first
 * on the way down.
 */
import type { ActivityTracker } from '../controllers/workspace/activity.ts';
import type { Logger } from 'pino';
import type { ResourceClient } from '../apis/client/types.ts';
import type { ProviderRegistry } from '../controllers/providers/registry.ts';
import type { NodeModeSettings } from '../apis/config/node-mode.ts';
import { loadOrCreateKeys, type TokenKeys } from './auth/key-file.ts';
import type { VerifiedToken } from './auth/tokens.ts';
import { Serial } from './node/limits.ts';
import { NodeUsers } from './node/provision.ts';
import type { NodeServices } from './node/services.ts';
import { RevocationList } from './auth/token-records.ts';
import { coreMethods } from './methods/core/index.ts';
import { methodModules } from './methods/index.ts';
import { Dispatcher } from './rpc/dispatcher.ts';
import type { ApiServices } from './rpc/method.ts';
import { compileParamsValidators, loadOpenRpc } from './rpc/openrpc.ts';
import { ApiStats } from './rpc/stats.ts';
import { DEFAULT_MAX_PAYLOAD, startApiServer, type ApiServer, type ApiServerOptions } from './transport/api-server.ts';
import type { ApiListenSettings } from './transport/settings.ts';

/** What the daemon gives the API. */
export interface DaemonApiOptions {
  stateDir: string;
  client: ResourceClient;
  providers: ProviderRegistry;
  logger: Logger;
  listen: ApiListenSettings;
  /** The daemon's activity record (idle timeout, wake on demand). */
  activity?: ActivityTracker;
  /** Multi-user node mode: provision users, confine them, enforce limits (absent: single-user). */
  nodeMode?: NodeModeSettings;
  /** How often the node's groups are re-read (default 10 s). */
  nodeRefreshMs?: number;
  /** Transport limits (tests lower them). */
  limits?: Pick<ApiServerOptions, 'maxPayload' | 'maxBufferedBytes' | 'slowClientMs' | 'authDeadlineMs' | 'pingIntervalMs'>;
}

/** The running API and its counters. */
export interface DaemonApi {
  server: ApiServer;
  stats: ApiStats;
  /** The node's users (multi-user mode only). */
  nodeUsers?: NodeUsers;
}

/** Starts the API. */
export async function startDaemonApi(options: DaemonApiOptions): Promise<DaemonApi> {
  const logger = options.logger.child({ component: 'api' });
  const keys = await loadOrCreateKeys(options.stateDir);
  const node = options.nodeMode === undefined ? undefined : await startNodeUsers(options.nodeMode, keys, options.stateDir, logger, options.nodeRefreshMs);
  const services: ApiServices = { client: options.client, providers: options.providers, stateDir: options.stateDir, logger, ...(options.activity !== undefined ? { activity: options.activity } : {}), ...(node === undefined ? {} : { node }) };
  const stats = new ApiStats();
  const maxPayload = options.limits?.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  let names: string[] = [];
  const modules = [coreMethods(() => ({ methods: names, maxPayload })), ...methodModules];
  const dispatcher = new Dispatcher(modules.flatMap((module) => module(services)), compileParamsValidators(loadOpenRpc()), services, stats);
  names = dispatcher.methodNames();
  const revocations = new RevocationList(options.stateDir);
  revocations.refresh();
  const listen = node === undefined ? options.listen : { ...options.listen, sharedSocketPath: node.settings.socket };
  const admit = node === undefined ? {} : { admit: (verified: VerifiedToken) => node.owner.admit(verified) };
  let server: ApiServer;
  try {
    server = await startApiServer({ listen, keys, revocations, dispatcher, stats, logger, ...options.limits, maxPayload, ...admit });
  } catch (err) {
    node?.owner.stop();
    throw err;
  }
  logger.info({ listening: server.addresses, methods: names.length }, 'api listening');
  if (node === undefined) return { server, stats };
  return {
    server: { addresses: server.addresses, close: async () => (node.owner.stop(), server.close()) },
    stats,
    nodeUsers: node.owner,
  };
}

/** Provisions the node's users once (a failure stops the daemon from starting), then every `refreshMs`. */
async function startNodeUsers(settings: NodeModeSettings, keys: TokenKeys, stateDir: string, logger: Logger, refreshMs = 10_000): Promise<NodeServices & { owner: NodeUsers }> {
  const users = new NodeUsers(settings, keys, stateDir, logger);
  await users.refresh();
  users.start(refreshMs);
  return { settings, users, owner: users, creates: new Serial() };
}
