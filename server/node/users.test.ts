import { describe, expect, it } from 'vitest';
import { membersOf, parseGroup, parsePasswd } from './users.ts';

describe('group membership', () => {
  const passwd = parsePasswd(['root:x:0:0:root:/root:/bin/bash', 'alice:x:1001:1001::/home/alice:/bin/bash', 'bob:x:1002:500::/home/bob:/bin/bash', 'carol:x:1003:1003::/home/carol:/bin/bash']);

  it('counts supplementary members and users whose primary group it is', () => {
    expect([...membersOf(parseGroup('nexus:x:500:alice'), passwd)].sort()).toEqual(['alice', 'bob']);
  });

  it('has no members for a missing group', () => {
    expect(membersOf(parseGroup(undefined), passwd).size).toBe(0);
    expect([...membersOf(parseGroup('empty:x:600:'), passwd)]).toEqual([]);
  });
});
