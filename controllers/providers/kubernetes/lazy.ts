/**
 * A Kubernetes provider that loads @kubernetes/client-node (about 0.4 s of imports) only when a
 * kubernetes workspace is first touched, so wiring it into every controller process costs nothing
 * for users who never use the backend. Its drift hints (`events`, a Pod watch) likewise start only
 * once a kubernetes workspace has been touched: a daemon that serves none never contacts a cluster.
 * Only type imports here; the provider module is imported dynamically.
 */
import type {
  DesiredRuntime,
  EndpointOptions,
  EnsureOptions,
  EnsureResult,
  ExecOptions,
  ExecResult,
  LogsOptions,
  ObservedRuntime,
  Provider,
  ProviderEvent,
  RuntimeEndpoint,
  RuntimeTarget,
} from '../types.ts';
import type { KubernetesProvider, KubernetesProviderOptions } from './kubernetes-provider.ts';
import { formatPodAddress } from '../../sync/kubernetes/address.ts';
import { MAIN_CONTAINER } from './manifests.ts';
import { kubeNames } from './names.ts';
import type { SyncCapability } from '../sync-capability.ts';
import { podSyncCapability } from './sync-capability.ts';

/** The Kubernetes provider behind a lazy import; see the module comment. */
export class LazyKubernetesProvider implements Provider {
  readonly backend = 'kubernetes' as const;
  readonly #options: KubernetesProviderOptions;
  #provider: Promise<KubernetesProvider> | undefined;
  readonly #loaded: Promise<KubernetesProvider>;
  #onLoad!: (provider: KubernetesProvider) => void;
  /** `pod://` sync endpoints; opening one loads the provider (sync-capability.ts). */
  readonly sync: SyncCapability = podSyncCapability(async () => (await this.load()).kubeConfig);

  constructor(options: KubernetesProviderOptions) {
    this.#options = options;
    this.#loaded = new Promise((resolve) => (this.#onLoad = resolve));
  }

  /**
   * The real provider (imported and created on first call). A failed creation (e.g. the configured
   * kubeconfig does not exist yet) is not kept: the next call tries again.
   */
  load(): Promise<KubernetesProvider> {
    if (this.#provider === undefined) {
      const loading = import('./kubernetes-provider.ts').then((m) => m.createKubernetesProvider(this.#options));
      this.#provider = loading;
      loading.then(
        (provider) => this.#onLoad(provider),
        () => {
          if (this.#provider === loading) this.#provider = undefined;
        },
      );
    }
    return this.#provider;
  }

  /** True once the provider has been loaded (a kubernetes workspace was touched). */
  get loaded(): boolean {
    return this.#provider !== undefined;
  }

  async observe(target: RuntimeTarget): Promise<ObservedRuntime | undefined> {
    return (await this.load()).observe(target);
  }
  async ensure(desired: DesiredRuntime, options?: EnsureOptions): Promise<EnsureResult> {
    return (await this.load()).ensure(desired, options);
  }
  async pause(target: RuntimeTarget): Promise<void> {
    return (await this.load()).pause(target);
  }
  async resume(target: RuntimeTarget): Promise<void> {
    return (await this.load()).resume(target);
  }
  async stop(target: RuntimeTarget): Promise<void> {
    return (await this.load()).stop(target);
  }
  async delete(target: RuntimeTarget): Promise<'deleted' | 'unchanged'> {
    return (await this.load()).delete(target);
  }
  async exec(target: RuntimeTarget, command: string[], options?: ExecOptions): Promise<ExecResult> {
    return (await this.load()).exec(target, command, options);
  }
  async logs(target: RuntimeTarget, options: LogsOptions): Promise<void> {
    return (await this.load()).logs(target, options);
  }
  async endpoint(target: RuntimeTarget, options?: EndpointOptions): Promise<RuntimeEndpoint | undefined> {
    return (await this.load()).endpoint(target, options);
  }
  /** The Pod address of `path` in the main container (pure: the provider is not loaded). */
  syncAddress(target: RuntimeTarget, path: string): string {
    const names = kubeNames(target, this.#options.namespace);
    return formatPodAddress({ namespace: names.namespace, pod: names.pod, container: MAIN_CONTAINER, path });
  }
  /** The provider's drift hints, from the first successful load (a kubernetes workspace touched) until `signal` aborts. */
  async *events(signal: AbortSignal): AsyncIterable<ProviderEvent> {
    const aborted = new Promise<undefined>((resolve) => {
      if (signal.aborted) resolve(undefined);
      else signal.addEventListener('abort', () => resolve(undefined), { once: true });
    });
    const provider = await Promise.race([this.#loaded, aborted]);
    if (provider === undefined) return;
    yield* provider.events(signal);
  }
}
