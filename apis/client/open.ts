/**
 * Opening a ResourceClient from a plain, JSON-serialisable description (`ClientSpec`), so that a
 * CLI flag, a config file or a child process can name a backend. Implementations are imported
 * lazily: a command that never touches the store pays nothing for SQLite or a Kubernetes client.
 */
import { stateFiles } from '../config/state-dir.ts';
import type { ResourceClient } from './types.ts';

/** The embedded store: one SQLite file. */
export interface EmbeddedClientSpec {
  type: 'embedded';
  /** Path of the SQLite file (`<state dir>/boulder.db`). */
  path: string;
}

/** A Kubernetes API server: custom resources of the CRDs in manifests/crds/. */
export interface KubernetesClientSpec {
  type: 'kubernetes';
  /** Path of the kubeconfig; default: $KUBECONFIG, else ~/.kube/config, else the in-cluster config. */
  kubeconfig?: string;
  /** Context to use instead of the kubeconfig's current-context. */
  context?: string;
  /** Namespace commands default to; default: the context's namespace, else `default`. */
  namespace?: string;
}

/** Which backend to open, discriminated by `type`. */
export type ClientSpec = EmbeddedClientSpec | KubernetesClientSpec;

/** The spec of the embedded store kept in a state dir. */
export function embeddedClientSpec(stateDir: string): EmbeddedClientSpec {
  return { type: 'embedded', path: stateFiles(stateDir).store };
}

/** Opens the client a spec describes. */
export async function openClient(spec: ClientSpec): Promise<ResourceClient> {
  switch (spec.type) {
    case 'embedded': {
      const { openEmbeddedStore } = await import('../store/embedded-store.ts');
      return openEmbeddedStore({ path: spec.path });
    }
    case 'kubernetes': {
      const { openKubernetesClient } = await import('./kubernetes/kubernetes-client.ts');
      const options: { kubeconfig?: string; context?: string; namespace?: string } = {};
      if (spec.kubeconfig !== undefined) options.kubeconfig = spec.kubeconfig;
      if (spec.context !== undefined) options.context = spec.context;
      if (spec.namespace !== undefined) options.namespace = spec.namespace;
      return openKubernetesClient(options);
    }
  }
}
