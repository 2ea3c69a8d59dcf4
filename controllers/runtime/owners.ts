/**
 * Maps an event on an owned object to the key of its controlling owner, so a change to (or the
 * deletion of) a PortBinding wakes the Workspace that owns it.
 */
import { DEFAULT_NAMESPACE, GROUP, type KubeObject } from '../../apis/meta.ts';

/**
 * `namespace/name` of the owner of `obj` whose ownerReference has `controller: true`, kind
 * `ownerKind` and an apiVersion in boulder's group; undefined when there is none. Owners live in
 * the owned object's namespace.
 */
export function controllerOwnerKey(obj: KubeObject, ownerKind: string): string | undefined {
  const ref = obj.metadata.ownerReferences?.find(
    (r) => r.controller === true && r.kind === ownerKind && r.apiVersion.split('/')[0] === GROUP,
  );
  if (ref === undefined) return undefined;
  return `${obj.metadata.namespace ?? DEFAULT_NAMESPACE}/${ref.name}`;
}
