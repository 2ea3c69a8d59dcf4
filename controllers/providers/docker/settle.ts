/**
 * `Promise.all` that waits for every promise before failing, so a failed step never leaves a
 * sibling Docker call in flight (which could create an object after the caller cleaned up).
 */

/** Resolves like `Promise.all`; on failure waits for the rest, then rejects with the first error. */
export async function allSettled<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
