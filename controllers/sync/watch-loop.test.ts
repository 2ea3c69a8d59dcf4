// The watch loop's adaptive quiet period (issue 19): a lone edit (one hinted path after a quiet
// gap) cycles after the short period; a burst (several paths, or hints that keep coming) waits the
// regular one, so it is not cut into many cycles. Real timers, a scripted host.
import { describe, expect, it } from 'vitest';
import { realClock } from '../runtime/clock.ts';
import type { ChangeHint, Endpoint } from './endpoint.ts';
import type { CycleResult } from './engine-api.ts';
import { createIgnoreMatcher } from './ignore.ts';
import { Waker } from './waker.ts';
import { runWatchLoop, type ScanScope } from './watch-loop.ts';

/** An endpoint whose hints the test pushes. */
function hintSource(): { endpoint: Endpoint; push: (path: string) => void } {
  const queue: ChangeHint[] = [];
  let wake: (() => void) | undefined;
  const endpoint = {
    name: 'scripted',
    watch: (signal: AbortSignal) =>
      (async function* () {
        while (!signal.aborted) {
          const hint = queue.shift();
          if (hint !== undefined) yield hint;
          else await new Promise<void>((resolve) => ((wake = resolve), signal.addEventListener('abort', () => resolve(), { once: true })));
        }
      })(),
  } as unknown as Endpoint;
  return { endpoint, push: (path) => (queue.push({ path }), wake?.()) };
}

const result: CycleResult = { changesApplied: 0, bytesTransferred: 0, conflicts: [], problems: [], filesTotal: 0, filesSynced: 0, durationMs: 0, retry: false };

async function loop(): Promise<{ push: (path: string) => void; cycles: Array<{ at: number; scope: ScanScope | undefined }>; stop: () => Promise<void> }> {
  const alpha = hintSource();
  const beta = hintSource();
  const cycles: Array<{ at: number; scope: ScanScope | undefined }> = [];
  const controller = new AbortController();
  const host = {
    clock: realClock,
    waker: new Waker(realClock),
    ignore: createIgnoreMatcher([]),
    logger: undefined,
    endpoints: { alpha: alpha.endpoint, beta: beta.endpoint },
    takeForceFull: () => false,
    idle: () => false,
    cycle: (scope: ScanScope | undefined) => (cycles.push({ at: performance.now(), scope }), Promise.resolve(result)),
  };
  const running = runWatchLoop(host, controller.signal, { debounceMs: 300, quickDebounceMs: 2, maxDebounceMs: 2000 }, {});
  while (cycles.length === 0) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 150));
  return { push: beta.push, cycles, stop: async () => (controller.abort(), await running) };
}

describe('watch loop quiet period', () => {
  it('a lone edit cycles after the short quiet period', async () => {
    const { push, cycles, stop } = await loop();
    const start = performance.now();
    // One path, several events (a write: truncate, modify, close).
    push('back.txt');
    push('back.txt');
    while (cycles.length < 2) await new Promise((r) => setTimeout(r, 1));
    expect(cycles[1]!.at - start).toBeLessThan(150);
    expect(cycles[1]!.scope).toEqual({ alpha: [], beta: ['back.txt'] });
    await stop();
  });

  it('a burst of paths waits the regular quiet period and cycles once', async () => {
    const { push, cycles, stop } = await loop();
    const start = performance.now();
    push('a.txt');
    push('b.txt');
    await new Promise((r) => setTimeout(r, 100));
    push('c.txt');
    while (cycles.length < 2) await new Promise((r) => setTimeout(r, 1));
    expect(cycles[1]!.at - start).toBeGreaterThanOrEqual(390);
    expect(cycles[1]!.scope?.beta).toEqual(['a.txt', 'b.txt', 'c.txt']);
    await new Promise((r) => setTimeout(r, 50));
    expect(cycles).toHaveLength(2);
    await stop();
  });

  it('hints that keep coming right after a cycle wait the regular period, even for one path', async () => {
    const { push, cycles, stop } = await loop();
    push('a.txt');
    while (cycles.length < 2) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, 20));
    const again = performance.now();
    push('b.txt');
    while (cycles.length < 3) await new Promise((r) => setTimeout(r, 1));
    expect(cycles[2]!.at - again).toBeGreaterThanOrEqual(290);
    await stop();
  });
});
