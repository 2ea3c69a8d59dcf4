/**
 * REST paths of boulder's custom resources on a Kubernetes API server:
 * `/apis/nexus.dev/v1alpha1[/namespaces/NS]/PLURAL[/NAME[/status]]`.
 */
import { BoulderError } from '../../errors.ts';
import { kindByName, type KindInfo, type KindName } from '../../kinds.ts';
import { DEFAULT_NAMESPACE } from '../../meta.ts';

/** The registry entry of `kind`; BadRequest when boulder does not serve it. */
export function kindInfoOf(kind: string): KindInfo {
  const info = kindByName(kind);
  if (info === undefined) throw new BoulderError('BadRequest', `unknown kind ${JSON.stringify(kind)}`);
  return info;
}

/** The namespace to use for `namespace` (empty or undefined → `default`). */
export function namespaceOrDefault(namespace: string | undefined): string {
  return namespace === undefined || namespace === '' ? DEFAULT_NAMESPACE : namespace;
}

/** Collection path of a kind in one namespace, or across all namespaces when `namespace` is undefined. */
export function collectionPath(kind: KindName, namespace: string | undefined): string {
  const info = kindInfoOf(kind);
  const scope = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespaceOrDefault(namespace))}`;
  return `/apis/${info.group}/${info.version}${scope}/${info.plural}`;
}

/** Path of one object, or of its status subresource. */
export function objectPath(kind: KindName, namespace: string, name: string, subresource?: 'status'): string {
  const base = `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
  return subresource === undefined ? base : `${base}/${subresource}`;
}

/** `workspaces.nexus.dev`: how Kubernetes names a resource in messages. */
export function resourceLabel(kind: KindName): string {
  const info = kindInfoOf(kind);
  return `${info.plural}.${info.group}`;
}
