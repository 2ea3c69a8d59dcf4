/**
 * Where the API listens: always `<state dir>/api.sock` (0600); on TCP only when the node
 * configuration sets `daemon.port` (with `daemon.host`, default 127.0.0.1). A non-loopback host
 * requires `daemon.tls.cert` and `daemon.tls.key`: without them the daemon refuses to start
 * (ApiListenError) rather than serve tokens in clear text to the network.
 */
import { isIP } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { BoulderError } from '../../apis/errors.ts';

/** File name of the API's unix socket in the state dir. */
export const API_SOCKET_FILE = 'api.sock';
/** Default TCP host when `daemon.port` is set without `daemon.host`. */
export const DEFAULT_API_HOST = '127.0.0.1';

/** The TCP listener of the API. */
export interface TcpListen {
  host: string;
  port: number;
  /** PEM file paths; required for a non-loopback host. */
  tls?: { cert: string; key: string };
}

/** Where the API listens. */
export interface ApiListenSettings {
  socketPath: string;
  /** A multi-user node's socket for its users (`<users_dir>/api.sock`, mode 0666; every connection needs a token). */
  sharedSocketPath?: string;
  tcp?: TcpListen;
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** The `daemon` section's API keys as the node configuration gives them. */
export interface DaemonApiConfig {
  host?: string;
  port?: number;
  tls?: { cert?: string; key?: string };
}

/** The listen settings of a state dir and the configuration; throws when TCP is asked beyond loopback without TLS. */
export function apiListenSettings(stateDir: string, config: DaemonApiConfig | undefined): ApiListenSettings {
  const socketPath = join(stateDir, API_SOCKET_FILE);
  if (config?.port === undefined) {
    if (config?.host !== undefined || config?.tls !== undefined) throw new BoulderError('Invalid', 'daemon.host and daemon.tls take effect only with daemon.port: set the port the API listens on');
    return { socketPath };
  }
  const host = config.host ?? DEFAULT_API_HOST;
  const cert = config.tls?.cert;
  const key = config.tls?.key;
  if ((cert === undefined) !== (key === undefined)) throw new BoulderError('Invalid', 'daemon.tls needs both cert and key');
  if (!isLoopbackHost(host) && cert === undefined) {
    throw new BoulderError(
      'Invalid',
      `daemon.host ${host} is not a loopback address: the API serves it only with TLS — set daemon.tls.cert and daemon.tls.key (PEM files), or listen on 127.0.0.1`,
    );
  }
  const tcp: TcpListen = { host, port: config.port };
  if (cert !== undefined && key !== undefined) {
    if (!isAbsolute(cert) || !isAbsolute(key)) throw new BoulderError('Invalid', 'daemon.tls.cert and daemon.tls.key must be absolute paths');
    tcp.tls = { cert, key };
  }
  return { socketPath, tcp };
}
