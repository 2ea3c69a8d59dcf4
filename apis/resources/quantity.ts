/**
 * Kubernetes-style resource quantities: CPU (`2`, `0.5`, `500m`) and memory (`512Mi`, `4Gi`, `1G`).
 * Pure parsing; invalid input returns undefined so the caller can report a condition.
 */

const binarySuffix: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const decimalSuffix: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** Parses a CPU quantity into cores; `500m` → 0.5. */
export function parseCpu(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text.trim());
  if (match === null) return undefined;
  const value = Number(match[1]);
  const cores = match[2] === 'm' ? value / 1000 : value;
  return cores > 0 ? cores : undefined;
}

/** Parses a memory quantity into bytes; `4Gi` → 4294967296. */
export function parseMemory(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(text.trim());
  if (match === null) return undefined;
  const suffix = match[2];
  const factor = suffix === undefined ? 1 : (binarySuffix[suffix] ?? decimalSuffix[suffix] ?? 1);
  const bytes = Math.round(Number(match[1]) * factor);
  return bytes > 0 ? bytes : undefined;
}
