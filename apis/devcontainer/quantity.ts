/**
 * Sizes as devcontainer.json and `docker run` write them (`4g`, `512m`, `8gb`) converted to the
 * Kubernetes quantities of the project configuration (`4Gi`, `512Mi`, `8Gi`). Docker's units are
 * binary (g = 1024³ bytes), so they map to the `i` suffixes.
 */

const UNITS: Record<string, string> = { '': '', k: 'Ki', m: 'Mi', g: 'Gi', t: 'Ti', p: 'Pi' };

/** `4g` → `4Gi`, `512mb` → `512Mi`, `1048576` → `1048576`; undefined for anything else. */
export function dockerSizeToQuantity(text: string): string | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*([kmgtp]?)b?$/i.exec(text.trim());
  if (match === null) return undefined;
  const unit = UNITS[(match[2] as string).toLowerCase()];
  return unit === undefined ? undefined : `${match[1] as string}${unit}`;
}

/** `2` / `1.5` → the text; undefined for anything that is not a positive number of cores. */
export function cpuQuantity(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !/^[0-9]+(\.[0-9]+)?$/.test(text) || Number(text) <= 0) return undefined;
  return text;
}
