/**
 * A read where "not there" is a normal answer: the object, or undefined when the store says
 * NotFound (any other failure is thrown). One definition for every controller that reads an
 * object another one owns (a session's Workspace, a binding's Workspace, the latest copy of an
 * object being finalized).
 */
import { isErrorCode } from '../errors.ts';
import type { KindName } from '../kinds.ts';
import type { KubeObject } from '../meta.ts';
import type { ResourceClient } from './types.ts';

/** `client.get(kind, namespace, name)`, or undefined when there is no such object. */
export async function getIfExists<T extends KubeObject>(client: ResourceClient, kind: KindName, namespace: string, name: string): Promise<T | undefined> {
  try {
    return await client.get<T>(kind, namespace, name);
  } catch (err) {
    if (isErrorCode(err, 'NotFound')) return undefined;
    throw err;
  }
}
