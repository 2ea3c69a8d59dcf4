/**
 * Methods every client needs whatever its scopes: `server.info` and `streams.cancel`. (`auth` is
 * answered by the connection itself, before any dispatch; it is listed here so the dispatcher
 * knows its params schema, and refuses it once authenticated.)
 */
import { packageVersion } from '../../../apis/package-root.ts';
import { ApiError, type MethodDefinition, type MethodModule } from '../../rpc/method.ts';

/** The core methods; `info` supplies what server.info reports. */
export function coreMethods(info: () => { methods: string[]; maxPayload: number }): MethodModule {
  return () =>
    [
      {
        name: 'auth',
        scope: 'authenticated',
        handler() {
          return Promise.reject(new ApiError('InvalidRequest', 'this connection is already authenticated'));
        },
      },
      {
        name: 'server.info',
        scope: 'authenticated',
        handler() {
          return Promise.resolve({ version: packageVersion(), ...info() });
        },
      },
      {
        name: 'streams.cancel',
        scope: 'authenticated',
        handler(params: { stream: string }, ctx) {
          return Promise.resolve({ cancelled: ctx.connection.streams.cancel(params.stream) });
        },
      },
    ] as MethodDefinition[];
}
