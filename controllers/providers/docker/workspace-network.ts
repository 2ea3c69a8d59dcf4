/**
 * The network a workspace's containers are on, as the network steps hand it around (network.ts,
 * isolated-network.ts).
 */

/** The network a workspace's containers use. */
export interface WorkspaceNetwork {
  id: string;
  name: string;
  /** The engine's isolated network (shared, no aliases), not the workspace's own. */
  isolated: boolean;
}
