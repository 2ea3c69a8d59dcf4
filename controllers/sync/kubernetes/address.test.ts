import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../../apis/errors.ts';
import { formatPodAddress, parsePodAddress } from './address.ts';

describe('pod:// addresses', () => {
  it.each([
    [{ namespace: 'team', pod: 'nexus-web', container: 'workspace', path: '/workspace' }, 'pod://team/nexus-web/workspace/workspace'],
    [{ namespace: 'ns', pod: 'p', container: 'c', path: '/tmp/a b/c' }, 'pod://ns/p/c/tmp/a b/c'],
    [{ namespace: 'ns', pod: 'p', container: 'c', path: '/' }, 'pod://ns/p/c'],
  ])('%o ⇄ %s', (target, address) => {
    expect(formatPodAddress(target)).toBe(address);
    expect(parsePodAddress(address)).toEqual(target);
  });

  it('drops trailing slashes and reads a bare container as the root', () => {
    expect(parsePodAddress('pod://ns/p/c/data/')).toEqual({ namespace: 'ns', pod: 'p', container: 'c', path: '/data' });
    expect(parsePodAddress('pod://ns/p/c/')?.path).toBe('/');
  });

  it('is undefined for other addresses and a BadRequest for malformed pod ones', () => {
    expect(parsePodAddress('/home/me/repo')).toBeUndefined();
    expect(parsePodAddress('docker://c/workspace')).toBeUndefined();
    let error: unknown;
    try {
      parsePodAddress('pod://ns/only-pod');
    } catch (err) {
      error = err;
    }
    expect(isErrorCode(error, 'BadRequest')).toBe(true);
  });
});
