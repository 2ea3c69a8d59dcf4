import { describe, expect, it } from 'vitest';
import { portRole } from './port-roles.ts';

describe('portRole', () => {
  it.each([
    ['ssh', 'ssh'],
    ['web', 'web'],
    ['http', 'web'],
    ['app', 'web'],
    ['frontend', 'web'],
    ['api', 'api'],
    ['backend', 'api'],
    ['server', 'api'],
    ['db', 'database'],
    ['database', 'database'],
    ['postgres', 'database'],
    ['postgresql', 'database'],
    ['mysql', 'database'],
    ['mariadb', 'database'],
    ['mongo', 'database'],
    ['mongodb', 'database'],
    ['cache', 'cache'],
    ['redis', 'cache'],
    ['memcached', 'cache'],
    ['valkey', 'cache'],
    ['WEB', 'web'],
    ['postgres-5432', 'database'],
    ['redis-6379', 'cache'],
    ['web-2', 'web'],
    ['metrics', undefined],
    ['webhook', undefined],
    ['my-web', undefined],
    ['redis-cache', undefined],
    ['5432', undefined],
  ])('%s → %s', (name, role) => {
    expect(portRole(name)).toBe(role);
  });
});
