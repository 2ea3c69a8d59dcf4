/**
 * Rows of the per-phase profile of a workspace's converge (`status.timings.phases`, issue 19): one
 * row per phase with its median over the samples, so each gap between boulder and its floor is
 * attributed to a phase (worktree, observe, portBindings, ensure.snapshot/network/create/start…).
 */
import { median, quantile, type BenchRow } from './stats.ts';

/** `status.timings.phases` of a workspace as read back with `boulder get -o json`. */
export type PhaseSample = Record<string, number>;

/** The phases of `ws` (undefined when it recorded none). */
export function phasesOf(ws: { status?: { timings?: { phases?: PhaseSample } } }): PhaseSample | undefined {
  return ws.status?.timings?.phases;
}

/** One row per phase seen in `samples`, in the order first seen, named `label: phase NAME`. */
export function phaseRows(label: string, samples: readonly PhaseSample[]): BenchRow[] {
  const names: string[] = [];
  for (const s of samples) for (const name of Object.keys(s)) if (!names.includes(name)) names.push(name);
  return names.map((name) => {
    const values = samples.map((s) => s[name]).filter((v): v is number => v !== undefined);
    return { name: `${label}: phase ${name}`, value: median(values), p99: quantile(values, 0.99), unit: 'ms' as const, note: `status.timings.phases, N=${values.length}` };
  });
}
