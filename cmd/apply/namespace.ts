/**
 * Which namespace applied objects go to: `-n`, else the kubeconfig context's namespace, else
 * their own (shared by `boulder apply`'s own path and the daemon's control op `apply`).
 */
import type { KubeObject } from '../../apis/meta.ts';
import { UsageError } from '../cli-error.ts';

/**
 * Puts objects into the namespace of `-n`. Manifests without a namespace are defaulted to
 * `default` by the loader, so `default` counts as unset here; any other namespace that differs
 * from the flag is an error (kubectl's rule), reported before anything is written. Without `-n`,
 * `fallback` (the kubeconfig context's namespace) takes the place of `default` and objects with
 * a namespace of their own keep it.
 */
export function placeInNamespace(objects: KubeObject[], namespace: string | undefined, fallback?: string): KubeObject[] {
  if (namespace === undefined) {
    if (fallback === undefined) return objects;
    return objects.map((obj) => {
      const own = obj.metadata.namespace;
      return own === undefined || own === 'default' ? { ...obj, metadata: { ...obj.metadata, namespace: fallback } } : obj;
    });
  }
  return objects.map((obj) => {
    const own = obj.metadata.namespace;
    if (own !== undefined && own !== 'default' && own !== namespace) {
      throw new UsageError(
        `the namespace from the provided object "${own}" does not match the namespace "${namespace}"; pass --namespace=${own} or remove it from the manifest`,
        'apply',
      );
    }
    return { ...obj, metadata: { ...obj.metadata, namespace } };
  });
}
