import { describe, expect, it } from 'vitest';
import { derivedPortBindings, portBindingName, portBindingNameCollisions, servicePortName } from './port-binding-names.ts';

describe('derivedPortBindings', () => {
  it('names one binding per port and per published service port, with the declaration path', () => {
    const derived = derivedPortBindings({
      metadata: { name: 'app' },
      spec: { ports: { web: { containerPort: 3000 } }, services: { db: { image: 'postgres', ports: [{ containerPort: 5432 }, { containerPort: 53, protocol: 'udp' }] } } },
    });
    expect(derived.map((d) => [d.name, d.path])).toEqual([
      ['app-web', ['spec', 'ports', 'web']],
      ['app-db-5432', ['spec', 'services', 'db', 'ports', 0]],
      ['app-db-53-udp', ['spec', 'services', 'db', 'ports', 1]],
    ]);
    expect(servicePortName('db', 5432)).toBe('db-5432');
    expect(portBindingName('app', 'db-5432')).toBe('app-db-5432');
  });

  it('finds a port named like a service port, and two services deriving one name', () => {
    const derived = derivedPortBindings({
      metadata: { name: 'app' },
      spec: {
        ports: { 'db-5432': { containerPort: 8080 }, 'db-53-udp': { containerPort: 9 } },
        services: { db: { image: 'postgres', ports: [{ containerPort: 5432 }, { containerPort: 53, protocol: 'udp' }, { containerPort: 5432 }] } },
      },
    });
    expect(portBindingNameCollisions(derived).map((c) => [c.name, c.first.path.join('.'), c.second.path.join('.')])).toEqual([
      ['app-db-5432', 'spec.ports.db-5432', 'spec.services.db.ports.0'],
      ['app-db-53-udp', 'spec.ports.db-53-udp', 'spec.services.db.ports.1'],
      ['app-db-5432', 'spec.ports.db-5432', 'spec.services.db.ports.2'],
    ]);
  });

  it('tcp and udp of one service port, and long names cut with a hash, do not collide', () => {
    const long = 's'.repeat(58);
    const derived = derivedPortBindings({
      metadata: { name: 'app' },
      spec: { services: { db: { image: 'x', ports: [{ containerPort: 53 }, { containerPort: 53, protocol: 'udp' }] }, [long]: { image: 'x', ports: [{ containerPort: 5432 }, { containerPort: 5433 }] } } },
    });
    expect(portBindingNameCollisions(derived)).toEqual([]);
    expect(derived.every((d) => d.name.length <= 63)).toBe(true);
  });
});
