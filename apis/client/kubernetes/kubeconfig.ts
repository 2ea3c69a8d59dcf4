/**
 * The one kubeconfig loader, for every part of boulder that talks to a cluster: the Kubernetes
 * ResourceClient (kube-connection.ts), the CLI (`--context` namespace), the Kubernetes provider and
 * the Pod sync endpoints. Imports @kubernetes/client-node (about 0.4 s): import this module lazily
 * from code that may never touch a cluster.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { BoulderError } from '../../errors.ts';

/** Which kubeconfig and context to use. */
export interface KubeConfigOptions {
  /** Path of the kubeconfig file; default: $KUBECONFIG, else ~/.kube/config, else in-cluster. */
  kubeconfig?: string;
  /** Context to use instead of the kubeconfig's current-context. */
  context?: string;
  /** An already loaded configuration (wins over `kubeconfig`/`context`). */
  kubeConfig?: KubeConfig;
}

/**
 * Loads the kubeconfig `options` name and selects its context. Fails with a BadRequest naming the
 * problem when the file does not exist or cannot be read, the context does not exist (listing the
 * known ones), or the context names no cluster.
 */
export function loadKubeConfig(options: KubeConfigOptions): KubeConfig {
  if (options.kubeConfig !== undefined) return options.kubeConfig;
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig !== undefined && options.kubeconfig !== '') {
      const path = resolve(options.kubeconfig);
      if (!existsSync(path)) throw new BoulderError('BadRequest', `kubeconfig ${path} does not exist`);
      kc.loadFromFile(path);
    } else {
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof BoulderError) throw err;
    throw new BoulderError('BadRequest', `cannot load the kubeconfig: ${(err as Error).message}`, { cause: err });
  }
  if (options.context !== undefined && options.context !== '') {
    if (kc.getContextObject(options.context) === null) {
      const known = kc.getContexts().map((c) => c.name);
      throw new BoulderError('BadRequest', `context "${options.context}" does not exist in the kubeconfig (known: ${known.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(options.context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new BoulderError('BadRequest', `the kubeconfig's context "${kc.getCurrentContext()}" names no cluster`);
  }
  return kc;
}
