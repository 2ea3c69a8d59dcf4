/**
 * What the API's handlers get on a multi-user node (ApiServices.node): the node's settings, its
 * users (provisioning and token admission) and the one queue creates pass through for the limits.
 */
import type { NodeModeSettings } from '../../apis/config/node-mode.ts';
import type { Serial } from './limits.ts';
import type { NodeUsers } from './provision.ts';

/** The node-mode services of the daemon API. */
export interface NodeServices {
  settings: NodeModeSettings;
  users: NodeUsers;
  /** Creates are limit-checked and written one at a time. */
  creates: Serial;
}
