/**
 * Small statistics and reporting helpers for the benchmarks: quantiles, timing of repeated runs,
 * and the printed table of medians and ratios against a floor measured in the same run.
 */
import { execFileSync } from 'node:child_process';

/** The q-quantile (0..1) of `values` by nearest rank; NaN for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Runs `fn` `runs` times (after `warmup` unmeasured runs) and returns the durations in ms. */
export async function timeRuns(runs: number, fn: () => Promise<void> | void, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i += 1) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Times a command run to completion (stdout ignored), `runs` times; durations in ms. */
export function timeCommand(runs: number, file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number[]> {
  return timeRuns(runs, () => {
    execFileSync(file, args, { stdio: ['ignore', 'ignore', 'inherit'], env: env ?? process.env });
  });
}

/** One line of the report. */
export interface BenchRow {
  name: string;
  /** The measured value (median unless `unit` says otherwise). */
  value: number;
  unit: 'ms' | 'ops/s' | 'MB/s' | '%' | 'MB' | 'programs';
  p99?: number;
  /** What the value is compared against, measured in the same run. */
  floor?: { name: string; value: number };
  /** The goal, e.g. `≤ 150 ms`; `met` says whether the value meets it. */
  budget?: { text: string; met: boolean };
  note?: string;
}

/** Prints rows as an aligned table on stdout. */
export function printTable(rows: readonly BenchRow[]): void {
  const header = ['benchmark', 'median', 'p99', 'floor', 'floor median', 'ratio', 'budget', ''];
  const lines = rows.map((r) => [
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.p99 === undefined ? '' : `${fmt(r.p99)} ${r.unit}`,
    r.floor?.name ?? '',
    r.floor === undefined ? '' : `${fmt(r.floor.value)} ${r.unit}`,
    r.floor === undefined ? '' : `${(r.value / r.floor.value).toFixed(2)}×`,
    r.budget === undefined ? '' : `${r.budget.text} ${r.budget.met ? 'ok' : 'MISSED'}`,
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const line of [header, ...lines]) {
    process.stdout.write(`${line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  }
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}
