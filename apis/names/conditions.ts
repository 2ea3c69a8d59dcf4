/**
 * The condition types boulder's controllers write in `status.conditions`, each defined here once.
 * `Ready` summarizes the others on every kind; `Stalled` marks a failure no retry can fix
 * (apis/terminal.ts).
 */

// ── Every kind ────────────────────────────────────────────────────────────────────────────────

/** The summary condition every kind carries. */
export const READY = 'Ready';
/** A failure that needs a spec (or world) change; written only by the runtime's terminal recorder. */
export const STALLED = 'Stalled';

// ── Workspace ──────────────────────────────────────────────────────────────────────────────────

/** The workspace's git worktree exists on its branch (workspaces with a repository). */
export const WORKTREE_READY = 'WorktreeReady';
/** The main container (Pod, Sprite) exists in the desired state. */
export const CONTAINER_READY = 'ContainerReady';
/** Every service container is in the desired state. */
export const SERVICES_READY = 'ServicesReady';
/** No lifecycle script or hook failed. */
export const HOOKS_SUCCEEDED = 'HooksSucceeded';
/** True while the workspace is paused by its idle timeout. */
export const IDLE = 'Idle';

// ── PortBinding ────────────────────────────────────────────────────────────────────────────────

/** The wanted host port forwards to the container port. */
export const BOUND = 'Bound';
/** The host port is held by someone else. */
export const CONFLICT = 'Conflict';
/** Where a binding listens and whether that is beyond this machine. */
export const EXPOSED = 'Exposed';

// ── SyncSession ────────────────────────────────────────────────────────────────────────────────

/** Both sides agreed at least once. */
export const INITIAL_SYNC_COMPLETE = 'InitialSyncComplete';
/** The outcome of the last one-off request (`boulder sync flush|resolve`). */
export const LAST_REQUEST = 'LastRequest';
