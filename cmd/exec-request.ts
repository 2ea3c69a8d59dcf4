/**
 * A parsed `boulder exec` invocation: what `exec` runs through the workspace's provider, or
 * through the daemon API on a multi-user node (cmd/node/remote.ts).
 */

/** A parsed `exec` invocation. */
export interface ExecRequest {
  name: string;
  namespace: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  service?: string;
  env: Record<string, string>;
  workdir?: string;
}
