/**
 * Well-known port roles and the offset each takes in a workspace's slot of the port plan
 * (0 ssh, 1 web, 2 api, 3 database, 4 cache). A port's role comes from its name alone.
 */

/** A role with a fixed offset in the workspace's slot. */
export type PortRole = 'ssh' | 'web' | 'api' | 'database' | 'cache';

/** The slot offset of each role. */
export const ROLE_OFFSETS: Readonly<Record<PortRole, number>> = { ssh: 0, web: 1, api: 2, database: 3, cache: 4 };

/** Port names recognised for each role (lower case). */
export const ROLE_NAMES: Readonly<Record<PortRole, readonly string[]>> = {
  ssh: ['ssh'],
  web: ['web', 'http', 'app', 'frontend'],
  api: ['api', 'backend', 'server'],
  database: ['db', 'database', 'postgres', 'postgresql', 'mysql', 'mariadb', 'mongo', 'mongodb'],
  cache: ['cache', 'redis', 'memcached', 'valkey'],
};

const roleByName = new Map<string, PortRole>(
  (Object.entries(ROLE_NAMES) as [PortRole, readonly string[]][]).flatMap(([role, names]) => names.map((n) => [n, role] as const)),
);

/**
 * The role of a port name, or undefined. Case-insensitive; a published service port's trailing
 * `-<port number>` is ignored, so `postgres-5432` is a database and `redis-6379` a cache.
 */
export function portRole(portName: string): PortRole | undefined {
  const base = portName.toLowerCase().replace(/-\d+$/, '');
  return roleByName.get(base);
}
