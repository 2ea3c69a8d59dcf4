/**
 * Creates the provider of a backend on demand, importing its module lazily so that a command that
 * never touches Docker (or Kubernetes) never loads its client library.
 */
import type { Logger } from '../runtime/logger.ts';
import { ProviderError } from './errors.ts';
import type { SpriteProviderOptions } from './sprite/sprite-provider.ts';
import type { Backend, Provider } from './types.ts';
import { ENGINE_UNAVAILABLE } from '../../apis/names/index.ts';

/** Options of `createProvider`. */
export interface CreateProviderOptions {
  logger?: Logger;
  /** The cluster of the kubernetes backend; default: KUBECONFIG, ~/.kube/config or in-cluster. */
  kubernetes?: { kubeconfig?: string; context?: string; namespace?: string };
  /** The Sprites API of the sprite backend (`backends.sprite`); without it the backend is unavailable. */
  sprite?: SpriteProviderOptions;
}

/** The provider for `backend`; rejects with ProviderError (EngineUnavailable) for a backend this build lacks. */
export async function createProvider(backend: Backend, options: CreateProviderOptions = {}): Promise<Provider> {
  switch (backend) {
    case 'mock': {
      const { MockProvider } = await import('./mock/mock-provider.ts');
      return new MockProvider();
    }
    case 'docker': {
      const { createDockerProvider } = await import('./docker/index.ts');
      return createDockerProvider(options.logger !== undefined ? { logger: options.logger } : {});
    }
    case 'kubernetes': {
      const { createKubernetesProvider } = await import('./kubernetes/index.ts');
      return createKubernetesProvider({ ...options.kubernetes, ...(options.logger !== undefined ? { logger: options.logger } : {}) });
    }
    case 'sprite': {
      if (options.sprite === undefined) {
        throw new ProviderError(ENGINE_UNAVAILABLE, 'backend "sprite" is not configured: set backends.sprite.api_key (e.g. env:SPRITES_TOKEN or keychain:sprites/me)', { transient: false });
      }
      const { createSpriteProvider } = await import('./sprite/sprite-provider.ts');
      return createSpriteProvider(options.sprite);
    }
    default:
      throw new ProviderError(ENGINE_UNAVAILABLE, `backend "${backend}" is not available in this version of boulder`, { transient: false });
  }
}
