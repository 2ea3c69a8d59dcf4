import { describe, expect, it } from 'vitest';
import { NETWORK_FAILED } from '../../../apis/names/index.ts';
import { ProviderError } from '../errors.ts';
import { withPoolHint } from './network.ts';

describe('withPoolHint', () => {
  it("says what to do when the engine's address pools are used up, and stays transient", () => {
    const engine = new ProviderError(NETWORK_FAILED, 'creating network nexus-a: could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network', { transient: true });
    const hinted = withPoolHint(engine);
    expect(hinted.message).toContain('non-overlapping IPv4 address pool');
    expect(hinted.message).toContain('default-address-pools');
    expect(hinted.message).toContain('docker network prune');
    expect(hinted.reason).toBe(NETWORK_FAILED);
    expect(hinted.transient).toBe(true);
  });

  it('leaves any other failure as it is', () => {
    const other = new ProviderError(NETWORK_FAILED, 'creating network nexus-a: invalid name', { transient: false });
    expect(withPoolHint(other)).toBe(other);
  });
});
