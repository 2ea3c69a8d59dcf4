/**
 * The name of the SyncSession a file-synced Workspace owns: `<workspace>-sync` (cut and hashed
 * like a PortBinding's name when longer than 63 characters). One definition for the Workspace
 * controller, which creates the session, and the SyncSession controller, which maps a Workspace
 * event to it. Pure.
 */
import { portBindingName } from './port-binding-names.ts';

/** Name of the SyncSession the workspace named `workspace` owns. */
export function ownedSyncSessionName(workspace: string): string {
  return portBindingName(workspace, 'sync');
}
