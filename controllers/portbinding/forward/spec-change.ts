/** How a forwarder must change to match a new spec (pure). */
import type { ForwardSpec } from '../contracts.ts';

/** `unchanged`; `retarget` (only the target differs: keep the listener); `rebind` (listen again). */
export type ForwardSpecChange = 'unchanged' | 'retarget' | 'rebind';

/** Compares the running spec with the desired one. */
export function forwardSpecChange(current: ForwardSpec, desired: ForwardSpec): ForwardSpecChange {
  if (current.protocol !== desired.protocol || current.hostIP !== desired.hostIP || current.hostPort !== desired.hostPort) return 'rebind';
  const { target } = current;
  if (target.host !== desired.target.host || target.port !== desired.target.port || target.instance !== desired.target.instance) return 'retarget';
  return 'unchanged';
}
