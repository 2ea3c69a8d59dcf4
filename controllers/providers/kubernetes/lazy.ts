/**
 * A Kubernetes provider that loads @kubernetes/client-node (about 0.4 s of imports) only when a
 * kubernetes workspace is first touched, so wiring it into every controller process costs nothing
 * for users who never use the backend. Only type imports here; the provider module is imported
 * dynamically.
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

/** The Kubernetes provider behind a lazy import; see the module comment. */
export class LazyKubernetesProvider implements Provider {
  readonly backend = 'kubernetes' as const;
  readonly #options: KubernetesProviderOptions;
  #provider: Promise<KubernetesProvider> | undefined;

  constructor(options: KubernetesProviderOptions) {
    this.#options = options;
  }

  /** The real provider (imported and created on first call). */
  load(): Promise<KubernetesProvider> {
    this.#provider ??= import('./kubernetes-provider.ts').then((m) => m.createKubernetesProvider(this.#options));
    return this.#provider;
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
  async *events(signal: AbortSignal): AsyncIterable<ProviderEvent> {
    yield* (await this.load()).events(signal);
  }
}
