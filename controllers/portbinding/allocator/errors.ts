/** Errors of the port allocator. */
import { BoulderError } from '../../../apis/errors.ts';
import type { PortRange } from '../contracts.ts';

/** Every candidate port of the range is taken; the message names the range and how much is taken. */
export class PortRangeExhaustedError extends BoulderError {
  /** The range that is full. */
  readonly range: PortRange;
  /** Number of candidates found taken. */
  readonly taken: number;

  /** `who` is `namespace/workspace port`; `unit` says whether slots or single ports were probed. */
  constructor(who: string, range: PortRange, taken: number, unit: 'slots' | 'ports') {
    super('Unavailable', `no free port for ${who} in ${range.start}-${range.end} (${taken} ${unit} taken)`);
    this.name = 'PortRangeExhaustedError';
    this.range = range;
    this.taken = taken;
  }
}
