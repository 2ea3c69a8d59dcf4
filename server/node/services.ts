/**
 * What the API's handlers get on a multi-user node (ApiServices.node): the node's settings, its
 * users (provisioning and token admission) and the one queue creates pass through for the limits.
 */
import type { NodeModeSettings } from '../../apis/config/node-mode.ts';
import type { Serial } from './limits.ts';
import type { NodeUser } from './users.ts';

/** The node-mode services of the daemon API. */
export interface NodeServices {
  settings: NodeModeSettings;
  /** The node's allowed users as last provisioned (provision.ts NodeUsers, seen read-only here). */
  users: { readonly current: ReadonlyMap<string, NodeUser> };
  /** Creates are limit-checked and written one at a time. */
  creates: Serial;
}
