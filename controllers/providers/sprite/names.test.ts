import { describe, expect, it } from 'vitest';
import { parseSpriteAddress, formatSpriteAddress } from '../../sync/sprite/address.ts';
import { labelList, readLabels, recordedState, setupHash, spriteName } from './names.ts';

const target = { namespace: 'team', name: 'web', uid: '1111-2222' };

describe('sprite names and labels', () => {
  it('names a Sprite deterministically from namespace, name and uid, as a DNS label', () => {
    expect(spriteName(target)).toBe(spriteName({ ...target }));
    expect(spriteName(target)).toMatch(/^nexus-web-[0-9a-f]{8}$/);
    expect(spriteName({ ...target, uid: 'other' })).not.toBe(spriteName(target));
    expect(spriteName({ ...target, namespace: 'other' })).not.toBe(spriteName(target));
    const long = spriteName({ ...target, name: 'a'.repeat(80) });
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
  });

  it('reads labels as key=value strings or a map, and writes them sorted', () => {
    expect(readLabels(['b=2', 'a=1', 'flag', 7])).toEqual({ a: '1', b: '2', flag: '' });
    expect(readLabels({ a: '1', n: 2 })).toEqual({ a: '1' });
    expect(readLabels(undefined)).toEqual({});
    expect(labelList({ b: '2', 'nexus.dev/state': 'Paused', a: 'x=y' })).toEqual(['a=x=y', 'b=2', 'nexus.dev/state=Paused']);
    expect(readLabels(labelList({ a: 'x=y' }))).toEqual({ a: 'x=y' });
  });

  it('reads the state boulder recorded (Running unless Paused or Stopped)', () => {
    expect(recordedState({})).toBe('Running');
    expect(recordedState({ 'nexus.dev/state': 'Paused' })).toBe('Paused');
    expect(recordedState({ 'nexus.dev/state': 'Stopped' })).toBe('Stopped');
    expect(recordedState({ 'nexus.dev/state': 'whatever' })).toBe('Running');
  });

  it('hashes the environment without showing it, and changes with it', () => {
    const hash = setupHash(target, { TOKEN: 'secret-value' }, '/home/sprite/workspace');
    expect(hash).not.toContain('secret');
    expect(setupHash(target, { TOKEN: 'other' }, '/home/sprite/workspace')).not.toBe(hash);
    expect(setupHash(target, { TOKEN: 'secret-value' }, '/home/sprite/workspace')).toBe(hash);
  });
});

describe('sprite:// addresses', () => {
  it('round-trips and rejects malformed ones', () => {
    expect(parseSpriteAddress(formatSpriteAddress({ sprite: 'nexus-web-1', path: '/home/sprite/workspace' }))).toEqual({ sprite: 'nexus-web-1', path: '/home/sprite/workspace' });
    expect(parseSpriteAddress('sprite://s/')).toEqual({ sprite: 's', path: '/' });
    expect(parseSpriteAddress('/local/path')).toBeUndefined();
    expect(() => parseSpriteAddress('sprite://S_bad/x')).toThrow(/not a Sprite address/);
    expect(() => parseSpriteAddress('sprite://s/a/../etc')).toThrow(/not a Sprite address/);
  });
});

describe('a registry without the sprite backend', () => {
  it('says what to configure', async () => {
    const { createProviderRegistry } = await import('../registry.ts');
    const registry = createProviderRegistry([], { sprite: 'configure backends.sprite.api_key' });
    expect(() => registry.get('sprite')).toThrow('backend "sprite" is not available in this boulder process (available: none): configure backends.sprite.api_key');
    expect(() => registry.get('docker')).toThrow(/available: none\)$/);
  });
});
