/**
 * Opens a SyncSession's `alpha`/`beta` endpoints. An address with a scheme (`docker://`,
 * `volume://`, `pod://`, `sprite://`) is opened by the sync capability of the provider that serves
 * the scheme (controllers/providers/sync-capability.ts), which the provider registry names; any
 * other address is a local path (controllers/sync/local). This controller builds no backend client
 * and parses no backend's address: the scheme is all it reads.
 */
import { BoulderError } from '../../apis/errors.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { SyncCapability, SyncEndpointContext } from '../providers/sync-capability.ts';
import type { Logger } from '../runtime/logger.ts';
import { addressScheme } from '../sync/address.ts';
import type { Endpoint } from '../sync/endpoint.ts';
import { createLocalEndpoint } from '../sync/local/local-endpoint.ts';

/** The part of the provider registry that serves sync endpoints. */
export type SyncProviders = Pick<ProviderRegistry, 'syncFor' | 'syncSchemes'>;

/** What the session knows that helps open its endpoints (the session's uid is added by the runner). */
export type EndpointHints = Omit<SyncEndpointContext, 'session'>;

/** The capability serving `address`'s scheme; undefined for a local path; BadRequest when no provider here serves it. */
function capabilityFor(address: string, providers: SyncProviders): SyncCapability | undefined {
  const scheme = addressScheme(address);
  if (scheme === undefined) return undefined;
  const capability = providers.syncFor(scheme);
  if (capability !== undefined) return capability;
  const served = providers.syncSchemes().map((s) => `${s}://`).join(', ') || 'none';
  throw new BoulderError('BadRequest', `${address}: no backend of this boulder process serves ${scheme}:// endpoints (served here: ${served}, and local paths)`);
}

/** Opens the endpoint `address` for `context.session` (a local one keeps its digest cache at `digestCachePath`). */
export async function openEndpoint(address: string, providers: SyncProviders, context: SyncEndpointContext, digestCachePath?: string): Promise<Endpoint> {
  const capability = capabilityFor(address, providers);
  if (capability !== undefined) return capability.open(address, context);
  return createLocalEndpoint(address, digestCachePath === undefined ? {} : { digestCachePath });
}

/** Removes what opening `address` made for `session` (Docker: the helper, with `removeVolume` the volume); nothing for a local path. */
export async function releaseEndpoint(address: string, providers: SyncProviders, session: string, options: { removeVolume: boolean; logger: Logger }): Promise<void> {
  let capability: SyncCapability | undefined;
  try {
    capability = capabilityFor(address, providers);
  } catch {
    return; // no backend here ever opened it
  }
  await capability?.release?.(address, session, options);
}
