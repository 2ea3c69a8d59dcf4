/**
 * The CamelCase reasons boulder's controllers write into conditions, each defined here once.
 * Reasons built at run time (`<Hook>Failed`, `Declared<State>`, `Services<State>`, a reason derived
 * from an error's text) are made where they are built.
 */

// ── Every kind ────────────────────────────────────────────────────────────────────────────────

/** Ready's reason when a reconcile failed and no better reason is known (`toConditionReason`'s fallback). */
export const RECONCILE_FAILED = 'ReconcileFailed';
/** Ready's reason for an unexpected error during a Workspace reconcile (retried). */
export const RECONCILE_ERROR = 'ReconcileError';
/** Ready's reason while a cleanup step fails and is retried. */
export const CLEANUP_FAILED = 'CleanupFailed';
/** The spec cannot be converged as written (terminal until it changes). */
export const INVALID_SPEC = 'InvalidSpec';

// ── Trust boundary (controllers/trust, controllers/workspace/build-containment.ts) ─────────────

/** A `fromFile`/`fromEnv` secret (or an unusable `secretRef`) refused under cluster trust. */
export const SECRET_SOURCE_NOT_ALLOWED = 'SecretSourceNotAllowed';
/** A host path (repository, build context) refused under cluster trust. */
export const HOST_PATH_NOT_ALLOWED = 'HostPathNotAllowed';
/** A backend that would run on this process's machine, refused under cluster trust. */
export const BACKEND_NOT_ALLOWED = 'BackendNotAllowed';
/** A SyncSession endpoint outside the session's namespace or on this process's machine. */
export const ENDPOINT_NOT_ALLOWED = 'EndpointNotAllowed';
/** A build context or Dockerfile resolves outside the workspace's repository. */
export const BUILD_PATH_OUTSIDE_REPOSITORY = 'BuildPathOutsideRepository';
/** Multi-user node: the owner of an object's namespace is not a unix user of this node (or not provisioned). */
export const OWNER_NOT_FOUND = 'OwnerNotFound';
/** Multi-user node: an object outside every user's namespace (`user-<name>`), which no user owns. */
export const NOT_A_USER_NAMESPACE = 'NotAUserNamespace';

// ── Providers (controllers/providers/errors.ts ProviderFailureReason) ──────────────────────────

/** The backend (Docker engine, API server, Sprites API) cannot be reached. */
export const ENGINE_UNAVAILABLE = 'EngineUnavailable';
/** The image cannot be pulled. */
export const IMAGE_PULL_FAILED = 'ImagePullFailed';
/** The image cannot be built. */
export const IMAGE_BUILD_FAILED = 'ImageBuildFailed';
/** The main container (Pod, Sprite) cannot be created. */
export const CONTAINER_CREATE_FAILED = 'ContainerCreateFailed';
/** The main container cannot be started (or exec'd into). */
export const CONTAINER_START_FAILED = 'ContainerStartFailed';
/** The workspace network cannot be created. */
export const NETWORK_FAILED = 'NetworkFailed';
/** A service container (or its volume) cannot be converged. */
export const SERVICE_FAILED = 'ServiceFailed';
/** An external object with the workspace's name exists but is not the workspace's own. */
export const OBJECT_NOT_OWNED = 'ObjectNotOwned';
/** A secret the spec references does not exist. */
export const SECRET_NOT_FOUND = 'SecretNotFound';
/** ContainerReady while the image is pulled. */
export const PULLING_IMAGE = 'PullingImage';
/** ContainerReady while the image is built. */
export const BUILDING_IMAGE = 'BuildingImage';

// ── Workspace ──────────────────────────────────────────────────────────────────────────────────

/** ContainerReady/Ready of a file-synced workspace until its initial sync completed. */
export const WAITING_FOR_SYNC = 'WaitingForSync';
/** WorktreeReady: the worktree exists but its submodules are not initialised. */
export const SUBMODULES_NOT_INITIALIZED = 'SubmodulesNotInitialized';
/** ServicesReady: every service runs. */
export const SERVICES_RUNNING = 'ServicesRunning';
/** ServicesReady: some services do not run. */
export const SERVICES_NOT_RUNNING = 'ServicesNotRunning';
/** HooksSucceeded: no lifecycle script or hook failed. */
export const SUCCEEDED = 'Succeeded';
/** Idle: paused after no activity for the idle timeout. */
export const IDLE_TIMEOUT = 'IdleTimeout';
/** Idle=False: the workspace has no idle timeout. */
export const IDLE_TIMEOUT_OFF = 'IdleTimeoutOff';
/** Idle=False: woken by activity after an idle pause. */
export const WOKEN = 'Woken';

// ── Worktree (WorktreeReady, and a kept worktree on deletion; controllers/worktree) ──────────────

/** The repository path does not exist, is not a git repository, or is not its top level. */
export const NOT_A_GIT_REPOSITORY = 'NotAGitRepository';
/** The base ref is missing and the repository is a shallow clone (likely the cause). */
export const SHALLOW_CLONE = 'ShallowClone';
/** The base ref resolves to no commit. */
export const BASE_REF_NOT_FOUND = 'BaseRefNotFound';
/** The branch is checked out in another worktree or in the main checkout. */
export const BRANCH_CHECKED_OUT_ELSEWHERE = 'BranchCheckedOutElsewhere';
/** The worktree path exists but is not this repository's worktree on the expected branch. */
export const WORKTREE_PATH_CONFLICT = 'WorktreePathConflict';
/** The workspace name or branch name cannot be used as a path segment / git branch. */
export const INVALID_NAME = 'InvalidName';
/** A git lock file (`index.lock`, a ref lock) is held by another process; retry later. */
export const GIT_LOCKED = 'GitLocked';
/** git failed for a reason not recognized above. */
export const GIT_FAILED = 'GitFailed';
/** A worktree kept on deletion: it has uncommitted changes. */
export const UNCOMMITTED_CHANGES = 'UncommittedChanges';
/** A worktree kept on deletion: its detached HEAD is in no branch or tag. */
export const UNREFERENCED_COMMITS = 'UnreferencedCommits';
/** A worktree kept on deletion: git has it locked (`git worktree lock`). */
export const WORKTREE_LOCKED = 'Locked';
/** A worktree kept on deletion: the path is not the workspace's own worktree. */
export const NOT_OUR_WORKTREE = 'NotOurWorktree';

// ── PortBinding ────────────────────────────────────────────────────────────────────────────────

/** Bound: the host port forwards to the container port. */
export const FORWARDING = 'Forwarding';
/** Bound=True, but the last connection to the target failed. */
export const TARGET_UNREACHABLE = 'TargetUnreachable';
/** A fixed host port belongs to another (the active) workspace of the repository. */
export const STANDBY = 'Standby';
/** Conflict=False: listening. */
export const NO_CONFLICT = 'NoConflict';
/** Another process holds the host port. */
export const PORT_IN_USE = 'PortInUse';
/** Conflict=Unknown: the binding does not listen (for another reason). */
export const NOT_LISTENING = 'NotListening';
/** Listening on the host port failed. */
export const LISTEN_FAILED = 'ListenFailed';
/** No free host port is left in the port range. */
export const PORT_RANGE_EXHAUSTED = 'PortRangeExhausted';
/** The port is allocated but forwarding needs the daemon, which is not running. */
export const DAEMON_NOT_RUNNING = 'DaemonNotRunning';
/** The binding cannot be forwarded for this backend (UDP through a TCP-only channel). */
export const UNSUPPORTED = 'Unsupported';
/** Exposed=False: listening on loopback only. */
export const LOOPBACK = 'Loopback';
/** Exposed=True without authentication in front. */
export const UNAUTHENTICATED = 'Unauthenticated';
/** The node's administrator does not allow this visibility. */
export const EXPOSURE_NOT_ALLOWED = 'ExposureNotAllowed';

// ── SyncSession ────────────────────────────────────────────────────────────────────────────────

/** InitialSyncComplete: both sides agreed at least once. */
export const SYNCED = 'Synced';
/** Not (yet) in sync. */
export const SYNCING = 'Syncing';
/** Ready: the sides agree. */
export const IN_SYNC = 'InSync';
/** Ready=False: the engine reported an error. */
export const SYNC_ERROR = 'SyncError';
/** Ready=False: the session (or its workspace) holds sync. */
export const PAUSED = 'Paused';
/** LastRequest: the request was performed. */
export const REQUEST_DONE = 'Done';
/** LastRequest: the request failed. */
export const REQUEST_FAILED = 'Failed';
