import { describe, expect, it } from 'vitest';
import { isValidUserName, userNamespace, userOfNamespace } from './identity.ts';

describe('user namespaces', () => {
  it('maps a user to user-<name> and back', () => {
    expect(userNamespace('alice')).toBe('user-alice');
    expect(userOfNamespace('user-alice')).toBe('alice');
  });

  it('knows no user for other namespaces or invalid names', () => {
    expect(userOfNamespace('default')).toBeUndefined();
    expect(userOfNamespace(undefined)).toBeUndefined();
    expect(userOfNamespace('user-')).toBeUndefined();
    expect(userOfNamespace('user-Root.x')).toBeUndefined();
    expect(isValidUserName('../etc')).toBe(false);
    expect(() => userNamespace('a/b')).toThrow(/not a valid unix user name/);
  });
});
