/**
 * Serializes worktree administration (add, remove, prune) per repository within this process:
 * concurrent `git worktree add` calls in one repository race on each other's half-written admin
 * directories ("failed to read .git/worktrees/x/commondir"). Other processes are not covered;
 * such a collision surfaces as a transient GitFailed and is retried.
 */

/** The tail of each repository's queue, keyed by common git dir. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `task` after every task queued before it for the same `key`; resolves or rejects with its result. */
export async function withRepositoryLock<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  try {
    return await run;
  } finally {
    if (queues.get(key) === tail) queues.delete(key);
  }
}
