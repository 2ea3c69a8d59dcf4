/** Annotations through which the CLI asks the Workspace controller for one-off behaviour. */

/** ISO-8601 time (ms precision) at which `boulder switch` asked for this workspace; status.timings.lastSwitchMs measures from it. */
export const SWITCH_REQUESTED_AT = 'nexus.dev/switch-requested-at';

/** `"true"`: remove the worktree on deletion even when it has uncommitted changes (`boulder delete --force`). */
export const FORCE_DELETE = 'nexus.dev/force-delete';

/**
 * `ISO-TIME WHAT`: activity a process other than the daemon saw (`boulder exec`, `logs -f`, switch),
 * e.g. `2026-12-07T07:00:00.000Z exec`. Newer than an idle pause, it wakes the workspace.
 */
export const ACTIVE_AT = 'nexus.dev/active-at';
