/**
 * Multi-user node: effects run with the owner's rights. The owner of an object is the user of its
 * namespace (owner.ts); git, file reads and writes run as that user (run-as.ts, files-as.ts);
 * what cannot is refused (admission.ts). Absent multi-user mode, nothing here applies.
 */
export { admitForOwner } from './admission.ts';
export { MAX_READ_BYTES, readFileAs, writeFileAs } from './files-as.ts';
export { lookupUser, resolveOwner, type MultiUserOptions, type UnixOwner } from './owner.ts';
export { commandAs, ownerEnvironment, runAs, type RunAsCommand, type RunAsOptions, type RunAsResult } from './run-as.ts';

import type { Workspace } from '../../apis/types/index.ts';
import { admitForOwner } from './admission.ts';
import { resolveOwner, type MultiUserOptions, type UnixOwner } from './owner.ts';

/**
 * The owner whose rights `ws`'s effects run with (undefined without multi-user mode), after
 * admitting the workspace for that owner; throws TerminalError otherwise.
 */
export async function workspaceOwner(ws: Workspace, multiUser: MultiUserOptions | undefined): Promise<UnixOwner | undefined> {
  const owner = await resolveOwner(ws.metadata.namespace, multiUser);
  if (owner !== undefined) admitForOwner(ws, owner);
  return owner;
}
