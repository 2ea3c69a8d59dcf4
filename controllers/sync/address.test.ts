import { describe, expect, it } from 'vitest';
import { addressScheme } from './address.ts';

describe('endpoint address scheme', () => {
  it('names the scheme of a backend address, none for a local path', () => {
    expect(addressScheme('docker://web/workspace')).toBe('docker');
    expect(addressScheme('volume://nexus-sync-1/')).toBe('volume');
    expect(addressScheme('pod://team/nexus-web/workspace/workspace')).toBe('pod');
    expect(addressScheme('sprite://s/home')).toBe('sprite');
    expect(addressScheme('/home/me/repo')).toBeUndefined();
    expect(addressScheme('relative/dir')).toBeUndefined();
    expect(addressScheme('/a/docker://x')).toBeUndefined();
  });
});
