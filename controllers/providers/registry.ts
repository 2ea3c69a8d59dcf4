/**
 * Which providers this process can use, by backend. A Workspace naming a backend that has none
 * gets a terminal `BackendUnavailable` condition instead of a retry loop.
 */
import { TerminalError } from '../runtime/errors.ts';
import type { SyncCapability } from './sync-capability.ts';
import type { Backend, Provider } from './types.ts';

/** Looks up the provider of a backend. */
export interface ProviderRegistry {
  /** The provider for `backend`; throws TerminalError (reason BackendUnavailable) when none. */
  get(backend: Backend): Provider;
  /** Every registered provider. */
  all(): Provider[];
  /** The sync capability of the provider that serves the address scheme `scheme` (`docker`, `pod`, …), or undefined. */
  syncFor(scheme: string): SyncCapability | undefined;
  /** Every address scheme a registered provider serves (for messages). */
  syncSchemes(): string[];
}

/**
 * A registry over the given providers (one per backend); `hints` adds what would make a missing
 * backend available to its BackendUnavailable message (e.g. the configuration it needs).
 */
export function createProviderRegistry(providers: Provider[], hints: Partial<Record<Backend, string>> = {}): ProviderRegistry {
  const byBackend = new Map(providers.map((p) => [p.backend, p]));
  const byScheme = new Map<string, SyncCapability>();
  for (const provider of byBackend.values()) for (const scheme of provider.sync?.schemes ?? []) byScheme.set(scheme, provider.sync as SyncCapability);
  return {
    get(backend) {
      const provider = byBackend.get(backend);
      if (provider === undefined) {
        const available = [...byBackend.keys()].join(', ') || 'none';
        throw new TerminalError(
          'BackendUnavailable',
          `backend "${backend}" is not available in this boulder process (available: ${available})${hints[backend] !== undefined ? `: ${hints[backend]}` : ''}`,
        );
      }
      return provider;
    },
    all: () => [...byBackend.values()],
    syncFor: (scheme) => byScheme.get(scheme),
    syncSchemes: () => [...byScheme.keys()],
  };
}
