/**
 * The label, annotation and finalizer keys boulder reads and writes, each defined here once (as
 * kubebuilder keeps its well-known names in one file). Producers and consumers import these
 * constants; a test (test/structure/well-known-names.test.ts) fails when production code spells
 * one of their values as a string literal instead.
 *
 * Labels select objects (store objects and the external objects a provider creates: containers,
 * networks, volumes, images, Pods, Sprites); annotations carry facts and requests that are never
 * selected on.
 */

// ── Labels every external object of a workspace carries (DESIGN.md §3) ─────────────────────────

/** Standard label naming the tool that manages an object. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** The value of `MANAGED_BY_LABEL` on everything boulder manages. */
export const MANAGED_BY_VALUE = 'boulder';
/** Standard label naming the larger application an object is part of (the generated CRDs). */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
/** The value of `PART_OF_LABEL` on the generated CRDs. */
export const PART_OF_VALUE = 'nexus';
/**
 * Name of the Workspace an object belongs to: on store objects the Workspace controller owns
 * (PortBindings, SyncSessions) and on every external object of the workspace.
 */
export const WORKSPACE_LABEL = 'nexus.dev/workspace';
/** Namespace of the owning Workspace, on every external object of a workspace. */
export const NAMESPACE_LABEL = 'nexus.dev/namespace';
/** uid of the owning Workspace, on every external object of a workspace: how they are found. */
export const UID_LABEL = 'nexus.dev/uid';
/** Multi-user node: the unix user owning the workspace (of its namespace `user-<name>`), on every external object. */
export const USER_LABEL = 'nexus.dev/user';
/** Multi-user node: the `uid:gid` a workspace's main container runs as (its owner's). */
export const RUN_AS_LABEL = 'nexus.dev/run-as';
/** Project (repository directory) a Workspace was rendered for by `boulder up`. */
export const PROJECT_LABEL = 'nexus.dev/project';

// ── Labels of external objects, per backend ────────────────────────────────────────────────────

/** Role of an external object: Docker `workspace|service|network|volume|build`, Kubernetes `workspace|secrets|files`. */
export const ROLE_LABEL = 'nexus.dev/role';
/** Name of the service a Docker service container (or volume) belongs to. */
export const SERVICE_LABEL = 'nexus.dev/service';
/** Digest of the image a Docker container was created from (RepoDigests[0] or the image id). */
export const IMAGE_DIGEST_LABEL = 'nexus.dev/image-digest';
/** Content hash of a built image's inputs (on Docker images built for a workspace). */
export const BUILD_HASH_LABEL = 'nexus.dev/build-hash';
/** What a helper object is (`sync-helper`: the containers that sync files into a Docker workspace's volume). */
export const COMPONENT_LABEL = 'nexus.dev/component';
/** Sprite label: the checkpoint taken when boulder paused the Sprite, or the last one boulder took. */
export const CHECKPOINT_LABEL = 'nexus.dev/checkpoint';
/** Sprite label: hash of the environment and workspace folder written into the Sprite. */
export const SETUP_LABEL = 'nexus.dev/setup';
/** Sprite label: the workspace folder (exec's default working directory). */
export const WORKDIR_LABEL = 'nexus.dev/workdir';
/**
 * sha256 of the fields boulder owns in a runtime object; a different hash means recreate. A label
 * on Docker containers, an annotation on Kubernetes Pods.
 */
export const CONFIG_HASH_KEY = 'nexus.dev/config-hash';
/**
 * The lifecycle state boulder put a runtime in when the backend cannot tell (`Stopped`, `Paused`;
 * absent: Running). A label on Sprites, an annotation on the Kubernetes files PVC.
 */
export const STATE_KEY = 'nexus.dev/state';

// ── Annotations on boulder's own kinds ─────────────────────────────────────────────────────────

/** The configuration file (relative to the repository) `boulder up` rendered a Workspace from. */
export const RENDERED_FROM_ANNOTATION = 'nexus.dev/rendered-from';
/** The user who created a Workspace (set at apply time); per-user node limits count by it. */
export const OWNER_ANNOTATION = 'nexus.dev/owner';
/**
 * ISO-8601 time at which `boulder switch` made this Workspace the active one of its repository
 * (apis/active-workspace.ts); written only by the switch.
 */
export const ACTIVE_WORKSPACE_SINCE_ANNOTATION = 'nexus.dev/active-workspace-since';
/** ISO-8601 time (ms precision) at which `boulder switch` asked for this Workspace; status.timings.lastSwitchMs measures from it. */
export const SWITCH_REQUESTED_AT_ANNOTATION = 'nexus.dev/switch-requested-at';
/** `"true"`: remove the worktree on deletion even when it has uncommitted changes (`boulder delete --force`). */
export const FORCE_DELETE_ANNOTATION = 'nexus.dev/force-delete';
/**
 * `ISO-TIME WHAT`: activity a process other than the daemon saw (`boulder exec`, `logs -f`, switch),
 * e.g. `2026-12-07T07:00:00.000Z exec`. Newer than an idle pause, it wakes the Workspace.
 */
export const ACTIVE_AT_ANNOTATION = 'nexus.dev/active-at';
/** A one-off request to a SyncSession (JSON `{id, op, path?, keep?}`), written by `boulder sync`. */
export const SYNC_REQUEST_ANNOTATION = 'nexus.dev/sync-request';
/** On a `boulder ws list` placeholder row (never stored): the repository of a configured workspace. */
export const CONFIGURED_REPOSITORY_ANNOTATION = 'nexus.dev/configured-repository';

// ── Finalizers ─────────────────────────────────────────────────────────────────────────────────

/** Finalizer boulder's controllers put on the objects whose cleanup they own. */
export const CLEANUP_FINALIZER = 'nexus.dev/cleanup';
