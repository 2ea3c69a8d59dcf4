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
import { loadOrCreateKeys } from './auth/key-file.ts';
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
  /** Transport limits (tests lower them). */
  limits?: Pick<ApiServerOptions, 'maxPayload' | 'maxBufferedBytes' | 'slowClientMs' | 'authDeadlineMs' | 'pingIntervalMs'>;
}

/** The running API and its counters. */
export interface DaemonApi {
  server: ApiServer;
  stats: ApiStats;
}

/** Starts the API. */
export async function startDaemonApi(options: DaemonApiOptions): Promise<DaemonApi> {
  const logger = options.logger.child({ component: 'api' });
  const services: ApiServices = { client: options.client, providers: options.providers, stateDir: options.stateDir, logger, ...(options.activity !== undefined ? { activity: options.activity } : {}) };
  const stats = new ApiStats();
  const maxPayload = options.limits?.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  let names: string[] = [];
  const modules = [coreMethods(() => ({ methods: names, maxPayload })), ...methodModules];
  const dispatcher = new Dispatcher(modules.flatMap((module) => module(services)), compileParamsValidators(loadOpenRpc()), services, stats);
  names = dispatcher.methodNames();
  const [keys, revocations] = [await loadOrCreateKeys(options.stateDir), new RevocationList(options.stateDir)];
  revocations.refresh();
  const server = await startApiServer({ listen: options.listen, keys, revocations, dispatcher, stats, logger, ...options.limits, maxPayload });
  logger.info({ listening: server.addresses, methods: names.length }, 'api listening');
  return { server, stats };
}
